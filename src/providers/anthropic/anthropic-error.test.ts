import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createUpstreamError } from "../shared/create-upstream-error.js";
import { createAnthropicStreamError, extractAnthropicErrorMessage } from "./anthropic-error.js";

const envelopes = JSON.parse(
  readFileSync(new URL("./__fixtures__/anthropic-errors.json", import.meta.url), "utf8"),
) as Record<string, { type: "error"; error: { type: string; message: string } }>;

describe("extractAnthropicErrorMessage", () => {
  it("reads the message and type of the error envelope", () => {
    expect(extractAnthropicErrorMessage(envelopes["529"])).toBe("Overloaded (overloaded_error)");
    expect(extractAnthropicErrorMessage(envelopes["400"])).toBe(
      "max_tokens: Field required (invalid_request_error)",
    );
  });

  it("returns undefined for bodies that are not Anthropic's envelope", () => {
    expect(extractAnthropicErrorMessage({ error: { message: "openai style" } })).toBeUndefined();
    expect(extractAnthropicErrorMessage("Bad Gateway")).toBeUndefined();
  });

  it.each([
    ["400", "request", false],
    ["401", "misconfigured", true],
    ["403", "misconfigured", true],
    ["404", "misconfigured", true],
    ["429", "rate_limited", true],
    ["500", "server", true],
    ["529", "overloaded", true],
  ] as const)("gives an HTTP %s envelope kind %s", (status, kind, retryable) => {
    const error = createUpstreamError(
      {
        provider: "anthropic",
        url: "https://api.anthropic.com/v1/messages",
        status: Number(status),
        headers: {},
        bodyText: JSON.stringify(envelopes[status]),
      },
      extractAnthropicErrorMessage,
    );
    expect(error.kind).toBe(kind);
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toBe(
      `anthropic answered ${status}: ${envelopes[status]?.error.message} (${envelopes[status]?.error.type})`,
    );
  });
});

describe("createAnthropicStreamError", () => {
  const url = "https://api.anthropic.com/v1/messages";

  it.each([
    ["overloaded_error", "overloaded", 529, true],
    ["rate_limit_error", "rate_limited", 429, true],
    ["api_error", "server", 500, true],
    ["timeout_error", "server", 504, true],
    ["invalid_request_error", "request", 400, false],
    ["authentication_error", "misconfigured", 401, true],
    ["brand_new_error", "stream", undefined, true],
  ] as const)("classifies an in-band %s as %s", (type, kind, status, retryable) => {
    const error = createAnthropicStreamError("anthropic", url, {
      type: "error",
      error: { type, message: "It happened" },
    });
    expect(error.kind).toBe(kind);
    expect(error.status).toBe(status);
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toBe(`anthropic stream failed: It happened (${type})`);
    expect(error.url).toBe(url);
  });
});
