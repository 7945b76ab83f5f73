import { describe, expect, it } from "vitest";
import { openAiFixture } from "./__fixtures__/openai-fixtures.js";
import { createOpenAiStreamError, extractOpenAiErrorMessage, parseOpenAiError } from "./openai-error.js";

describe("extractOpenAiErrorMessage", () => {
  it("says what happened, with OpenAI's code", () => {
    expect(extractOpenAiErrorMessage(openAiFixture("openai-error-429.json"))).toBe(
      "Rate limit reached for gpt-4.1 in organization org-abc on requests per min (RPM): Limit 500, Used 500, Requested 1. Please try again in 120ms. (rate_limit_exceeded)",
    );
    expect(extractOpenAiErrorMessage(openAiFixture("openai-error-400.json"))).toMatch(
      /^Unsupported parameter: 'max_tokens'.*\(unsupported_parameter\)$/,
    );
    expect(extractOpenAiErrorMessage(openAiFixture("openai-error-500.json"))).toBe(
      "The server had an error while processing your request. Sorry about that! (server_error)",
    );
  });

  it("never repeats a key fragment OpenAI echoes", () => {
    const message = extractOpenAiErrorMessage(openAiFixture("openai-error-401.json"));
    expect(message).toContain("Incorrect API key provided: sk-***.");
    expect(message).not.toContain("iMcA");
  });

  it("reads DeepSeek's and vLLM's envelopes", () => {
    expect(extractOpenAiErrorMessage(openAiFixture("deepseek-error-401.json"))).toBe(
      "Authentication Fails, Your api key: ****cd15 is invalid (invalid_request_error)",
    );
    expect(extractOpenAiErrorMessage(openAiFixture("vllm-error-400.json"))).toBe(
      "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens. (BadRequestError)",
    );
    expect(extractOpenAiErrorMessage({ error: "model 'llama3' not found" })).toBe("model 'llama3' not found");
  });

  it("returns undefined for a body that is no envelope, so the status text is used", () => {
    expect(extractOpenAiErrorMessage({ detail: "Not Found" })).toBeUndefined();
    expect(extractOpenAiErrorMessage("<html>502</html>")).toBeUndefined();
  });
});

describe("createOpenAiStreamError", () => {
  it.each([
    [{ type: "server_error", code: null }, "server", true],
    [{ type: "requests", code: "rate_limit_exceeded" }, "rate_limited", true],
    [{ type: "invalid_request_error", code: "context_length_exceeded" }, "request", false],
    [{ type: "overloaded_error", code: null }, "overloaded", true],
    [{ type: null, code: 503 }, "overloaded", true],
    [{ type: "mystery", code: null }, "stream", true],
  ] as const)("classifies %j as %s", (labels, kind, retryable) => {
    const body = { error: { message: "failed", ...labels } };
    const detail = parseOpenAiError(body);
    if (!detail) throw new Error("not an envelope");
    const error = createOpenAiStreamError(
      "openai",
      "http://x/chat/completions",
      detail,
      JSON.stringify(body),
    );
    expect(error.kind).toBe(kind);
    expect(error.isRetryable).toBe(retryable);
    expect(error.message).toMatch(/^openai sent an error in its stream: failed/);
  });
});
