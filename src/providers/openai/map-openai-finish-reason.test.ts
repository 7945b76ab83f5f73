import { describe, expect, it } from "vitest";
import { mapOpenAiFinishReason } from "./map-openai-finish-reason.js";

describe("mapOpenAiFinishReason", () => {
  it.each([
    ["stop", "stop"],
    ["length", "length"],
    ["tool_calls", "tool_calls"],
    ["content_filter", "content_filter"],
    ["function_call", "function_call"],
    ["insufficient_system_resource", "length"],
    ["eos", "stop"],
    [null, "stop"],
    [undefined, "stop"],
  ] as const)("maps %s to %s", (upstream, expected) => {
    expect(mapOpenAiFinishReason(upstream)).toBe(expected);
  });
});
