import { describe, expect, it } from "vitest";
import { ClientAbortError } from "../core/client-abort-error.js";
import { GatewayError } from "../core/gateway-error.js";
import type { Caller } from "./caller.js";
import { finishedWithError } from "./finished-request.js";

const caller: Caller = { projectId: "proj", agentId: "agent", door: "openai", requestId: "req-1" };
const shape = { kind: "chat" as const, modelGroup: "fast", stream: true };

function signalAbortedWith(reason: unknown): AbortSignal {
  const controller = new AbortController();
  controller.abort(reason);
  return controller.signal;
}

describe("the error code a failed request is logged and booked with", () => {
  it("is the gateway error's own code, whatever the signal says", () => {
    const error = new GatewayError("GW_ERR_DEADLINE_EXCEEDED", "too long");
    const aborted = signalAbortedWith(new ClientAbortError("left"));
    expect(finishedWithError(caller, shape, error, 5, aborted).errorCode).toBe("GW_ERR_DEADLINE_EXCEEDED");
  });

  it("is GW_ERR_CLIENT_CLOSED when the client ended the call, whatever error the abort surfaced as", () => {
    const reason = new ClientAbortError("the client closed the connection");
    const live = new AbortController().signal;
    expect(finishedWithError(caller, shape, reason, 5, live).errorCode).toBe("GW_ERR_CLIENT_CLOSED");
    // A reader or undici may reject with an error of its own once the call's signal aborted.
    const readerError = new DOMException("This operation was aborted", "AbortError");
    expect(finishedWithError(caller, shape, readerError, 5, signalAbortedWith(reason)).errorCode).toBe(
      "GW_ERR_CLIENT_CLOSED",
    );
  });

  it("is GW_ERR_INTERNAL for any other error: a fault of the gateway's, not a client that left", () => {
    const live = new AbortController().signal;
    const fault = new TypeError("Cannot read properties of undefined");
    expect(finishedWithError(caller, shape, fault, 5, live).errorCode).toBe("GW_ERR_INTERNAL");
    const otherAbort = signalAbortedWith(new Error("some other reason"));
    expect(finishedWithError(caller, shape, fault, 5, otherAbort).errorCode).toBe("GW_ERR_INTERNAL");
    expect(finishedWithError(caller, shape, fault, 5, live).outcome).toBe("error");
  });
});
