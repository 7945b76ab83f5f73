import { describe, expect, it } from "vitest";
import { mapAnthropicStopReason } from "./map-anthropic-stop-reason.js";

describe("mapAnthropicStopReason", () => {
  it.each([
    ["end_turn", "stop"],
    ["stop_sequence", "stop"],
    ["max_tokens", "length"],
    ["model_context_window_exceeded", "length"],
    ["tool_use", "tool_calls"],
    ["refusal", "content_filter"],
    ["pause_turn", "stop"],
    ["a_reason_from_the_future", "stop"],
    [null, "stop"],
    [undefined, "stop"],
  ] as const)("maps %s to %s", (stopReason, finishReason) => {
    expect(mapAnthropicStopReason(stopReason, true)).toBe(finishReason);
  });

  it("reports a tool_use stop without tool calls for the caller (forced JSON answer) as stop", () => {
    expect(mapAnthropicStopReason("tool_use", false)).toBe("stop");
  });
});
