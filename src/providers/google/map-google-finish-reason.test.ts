import { describe, expect, it } from "vitest";
import { mapGoogleFinishReason } from "./map-google-finish-reason.js";

describe("mapGoogleFinishReason", () => {
  it.each([
    ["STOP", false, "stop"],
    ["STOP", true, "tool_calls"],
    ["MAX_TOKENS", false, "length"],
    ["MAX_TOKENS", true, "length"],
    ["SAFETY", false, "content_filter"],
    ["RECITATION", false, "content_filter"],
    ["BLOCKLIST", false, "content_filter"],
    ["PROHIBITED_CONTENT", false, "content_filter"],
    ["SPII", false, "content_filter"],
    ["IMAGE_SAFETY", false, "content_filter"],
    ["OTHER", false, "stop"],
    ["MALFORMED_FUNCTION_CALL", false, "stop"],
    ["FINISH_REASON_UNSPECIFIED", false, "stop"],
    [undefined, true, "tool_calls"],
    [null, false, "stop"],
  ] as const)("maps %s (function calls: %s) to %s", (reason, hasFunctionCalls, expected) => {
    expect(mapGoogleFinishReason(reason, hasFunctionCalls)).toBe(expected);
  });
});
