import { describe, expect, it } from "vitest";
import { UpstreamError } from "../../core/upstream-error.js";
import { createUpstreamError } from "../shared/create-upstream-error.js";
import { googleFixture } from "./__fixtures__/google-fixtures.js";
import {
  createGoogleStreamError,
  extractGoogleErrorMessage,
  googleRetryDelayMs,
  withGoogleRetryDelay,
} from "./google-error.js";

function httpError(status: number, body: unknown, headers: Record<string, string> = {}): UpstreamError {
  return createUpstreamError(
    { provider: "google", url: "http://x", status, headers, bodyText: JSON.stringify(body) },
    extractGoogleErrorMessage,
  );
}

describe("extractGoogleErrorMessage", () => {
  it("says the status and message of Google's envelope", () => {
    expect(extractGoogleErrorMessage(googleFixture("google-400-invalid-argument.json"))).toBe(
      "INVALID_ARGUMENT: * GenerateContentRequest.contents: contents is not specified\n",
    );
    expect(httpError(403, googleFixture("google-403-api-key.json")).message).toMatch(
      /^google answered 403: PERMISSION_DENIED: Method doesn't allow unregistered callers/,
    );
  });

  it("reads the array-wrapped envelope some Google front ends send", () => {
    expect(
      extractGoogleErrorMessage([{ error: { code: 503, message: "Overloaded", status: "UNAVAILABLE" } }]),
    ).toBe("UNAVAILABLE: Overloaded");
  });

  it("returns undefined for a body that is not Google's envelope, so the shared handler falls back", () => {
    expect(extractGoogleErrorMessage({ detail: "nope" })).toBeUndefined();
    expect(extractGoogleErrorMessage("plain")).toBeUndefined();
    expect(httpError(502, { unexpected: true }).message).toBe('google answered 502: {"unexpected":true}');
  });
});

describe("Gemini RetryInfo", () => {
  it("reads retryDelay from the 429 details", () => {
    expect(googleRetryDelayMs(googleFixture("google-429-retry-info.json"))).toBe(34_400);
    expect(googleRetryDelayMs(googleFixture("google-400-invalid-argument.json"))).toBeUndefined();
  });

  it("adds the body's retry delay to an error that has no retry-after header", async () => {
    const error = await withGoogleRetryDelay(
      Promise.reject(httpError(429, googleFixture("google-429-retry-info.json"))),
    ).catch((e) => e);

    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({
      kind: "rate_limited",
      status: 429,
      isRetryable: true,
      retryAfterMs: 34_400,
    });
    expect(error.message).toContain("RESOURCE_EXHAUSTED");
  });

  it("keeps the retry-after header's delay when there is one", async () => {
    const original = httpError(429, googleFixture("google-429-retry-info.json"), { "retry-after": "3" });

    await expect(withGoogleRetryDelay(Promise.reject(original))).rejects.toBe(original);
    expect(original.retryAfterMs).toBe(3000);
  });

  it("passes other failures through untouched", async () => {
    const other = new Error("boom");
    await expect(withGoogleRetryDelay(Promise.reject(other))).rejects.toBe(other);
    await expect(withGoogleRetryDelay(Promise.resolve(7))).resolves.toBe(7);
  });
});

describe("createGoogleStreamError", () => {
  it.each([
    [503, "UNAVAILABLE", "overloaded", true],
    [429, "RESOURCE_EXHAUSTED", "rate_limited", true],
    [500, "INTERNAL", "server", true],
    [400, "INVALID_ARGUMENT", "request", false],
  ] as const)("classifies an in-band %i %s as %s", (code, status, kind, isRetryable) => {
    const error = createGoogleStreamError("google", "http://x", { code, status, message: "went wrong" });

    expect(error).toMatchObject({ kind, status: code, isRetryable });
    expect(error.message).toBe(`google sent an error in its stream (${code}): ${status}: went wrong`);
  });
});
