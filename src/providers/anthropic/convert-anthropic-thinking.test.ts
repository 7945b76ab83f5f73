import { describe, expect, it } from "vitest";
import { defaultCatalog } from "../../config/default-catalog.js";
import type { ModelSpec } from "../../core/model-catalog.js";
import { isUpstreamError } from "../../core/upstream-error.js";
import { convertAnthropicThinking } from "./convert-anthropic-thinking.js";
import { convertToAnthropicRequest } from "./convert-to-anthropic-request.js";

const sonnet = defaultCatalog()["claude-sonnet-4"] as ModelSpec;
const hello = [{ role: "user" as const, content: "Hi" }];

describe("reasoning_effort as an Anthropic thinking budget", () => {
  it("maps each effort to its documented budget, none and absent to no thinking", () => {
    const budgets = (["minimal", "low", "medium", "high", "xhigh"] as const).map(
      (effort) => convertAnthropicThinking("anthropic", sonnet, effort, 100)?.thinking.budget_tokens,
    );
    expect(budgets).toEqual([1024, 1024, 8192, 24_576, 32_768]);
    expect(convertAnthropicThinking("anthropic", sonnet, "none", 100)).toBeUndefined();
    expect(convertAnthropicThinking("anthropic", sonnet, undefined, 100)).toBeUndefined();
  });

  it("raises max_tokens by the budget, within the model's output ceiling", () => {
    expect(convertAnthropicThinking("anthropic", sonnet, "medium", 500)?.maxTokens).toBe(8692);
    const ceiling = convertAnthropicThinking("anthropic", sonnet, "high", 60_000);
    expect(ceiling).toEqual({ thinking: { type: "enabled", budget_tokens: 24_576 }, maxTokens: 64_000 });
  });

  it("shrinks the budget below a small ceiling, and refuses one under Anthropic's minimum", () => {
    const small = { ...sonnet, maxOutputTokens: 4000 };
    expect(convertAnthropicThinking("anthropic", small, "high", 100)?.thinking.budget_tokens).toBe(3999);
    const tiny = { ...sonnet, maxOutputTokens: 1000 };
    let refused: unknown;
    try {
      convertAnthropicThinking("anthropic", tiny, "low", 100);
    } catch (error) {
      refused = error;
    }
    expect(isUpstreamError(refused) && refused.kind).toBe("request");
  });

  it("leaves out the sampling fields Claude refuses with thinking, and refuses a forced tool", () => {
    const body = convertToAnthropicRequest("anthropic", sonnet, {
      messages: hello,
      reasoning_effort: "low",
      temperature: 0.2,
      top_p: 0.5,
      top_k: 10,
    });
    expect(body).toMatchObject({ thinking: { type: "enabled", budget_tokens: 1024 } });
    expect(body).not.toHaveProperty("temperature");
    expect(body).not.toHaveProperty("top_p");
    expect(body).not.toHaveProperty("top_k");
    expect(() =>
      convertToAnthropicRequest("anthropic", sonnet, {
        messages: hello,
        reasoning_effort: "low",
        response_format: { type: "json_object" },
      }),
    ).toThrow(/forced tool_choice or a JSON response_format/);
  });
});
