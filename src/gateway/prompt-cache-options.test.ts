import { describe, expect, it } from "vitest";
import type { ChatRequest } from "../core/chat.js";
import { cacheWriteTtl } from "./prompt-cache-options.js";

describe("cacheWriteTtl", () => {
  const plain: ChatRequest = { messages: [{ role: "user", content: "hi" }] };

  it("is none without breakpoints, 5m with automatic ones", () => {
    expect(cacheWriteTtl(plain, {})).toBe("none");
    expect(cacheWriteTtl(plain, { autoCacheBreakpoints: { minPromptTokens: 1024 } })).toBe("5m");
  });

  it("is the longest TTL of the request's own breakpoints, on tools, messages or text parts", () => {
    const fiveMinutes = { type: "ephemeral" as const };
    const hour = { type: "ephemeral" as const, ttl: "1h" as const };
    const onMessage: ChatRequest = {
      messages: [{ role: "user", content: "hi", cache_control: fiveMinutes }],
    };
    expect(cacheWriteTtl(onMessage, {})).toBe("5m");
    const onPart: ChatRequest = {
      messages: [
        { role: "system", content: "rules", cache_control: fiveMinutes },
        { role: "user", content: [{ type: "text", text: "long", cache_control: hour }] },
      ],
    };
    expect(cacheWriteTtl(onPart, {})).toBe("1h");
    const onTool: ChatRequest = {
      ...plain,
      tools: [{ type: "function", function: { name: "f", parameters: {} }, cache_control: hour }],
    };
    expect(cacheWriteTtl(onTool, {})).toBe("1h");
  });
});
