import type { Client } from "@modelcontextprotocol/client";
import { encode } from "gpt-tokenizer/encoding/cl100k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxCountableCharacters } from "../../src/gateway/count-tokens.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import {
  clientKeys,
  openAiClient,
  pricedModelNanoUsdPerToken,
  pricedModelYaml,
  upstreamCalls,
  usageOf,
} from "./security-fixtures.js";

/**
 * Issue 23, points 1-3: what a caller writes can neither break booking nor
 * slip past the budget hold, and counting cannot be used to stall the gateway.
 */
const config = `${pricedModelYaml}
budgets:
  projects:
    special-tokens: { daily_usd: 1 }
    cut-stream: { daily_usd: 1 }
    many-tools: { daily_usd: 0.01 }
    big-schema: { daily_usd: 0.01 }
    one-image: { daily_usd: 0.05 }
rate_limits:
  projects:
    counting: { requests_per_minute: 2 }
`;

const special = "Explain what <|endoftext|> and <|fim_prefix|> mean to a tokenizer.";

/** A tool description of ~2,000 characters of ordinary words: ~400 tokens. */
function longTool(index: number) {
  const description = Array.from({ length: 330 }, (_, word) => `word${(word * 31 + index) % 97}`).join(" ");
  return {
    type: "function" as const,
    function: { name: `tool_${index}`, description, parameters: { type: "object" } },
  };
}

describe("budget holds and booking that callers cannot break", () => {
  let harness: Harness;
  let mcp: Client;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      configYaml: config,
      env: { LLM_GATEWAY_API_KEYS: `${clientKeys.admin}=*` },
    });
    mcp = await connectMcp(harness.url, { headers: { authorization: `Bearer ${clientKeys.admin}` } });
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
  });

  it("admits and books a budgeted prompt that mentions special tokens", async () => {
    harness.fakes.openai.enqueueChat(
      harness.fakes.openai.replies.text("fine", { inputTokens: 20, outputTokens: 3 }),
    );
    const client = openAiClient(harness, clientKeys.admin, { "x-project-id": "special-tokens" });
    const completion = await client.chat.completions.create({
      model: "priced-mini",
      max_tokens: 10,
      messages: [{ role: "user", content: special }],
    });
    expect(completion.choices[0]?.message.content).toBe("fine");
    const usage = await usageOf(harness, "special-tokens");
    expect(usage.requests).toBe(1);
    expect(usage.cost_usd).toBeCloseTo((23 * pricedModelNanoUsdPerToken) / 1e9, 12);
  });

  it("books a cut stream whose answer holds a special token, with the gateway's own count", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(
      openai.replies.stream(["The marker <|endoftext|> ends", " a document", " and more"], { cutAfter: 3 }),
    );
    const client = openAiClient(harness, clientKeys.admin, { "x-project-id": "cut-stream" });
    const stream = await client.chat.completions.create({
      model: "priced-mini",
      max_tokens: 10,
      stream: true,
      messages: [{ role: "user", content: special }],
    });
    await expect(async () => {
      for await (const _chunk of stream) {
        // read until the cut
      }
    }).rejects.toThrow();
    const usage = await usageOf(harness, "cut-stream");
    expect(usage.requests).toBe(1);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.input_tokens).toBeGreaterThan(10);
    expect(usage.cost_usd).toBeGreaterThan(0);
  });

  it("holds for tool definitions: 20 long tools do not fit a $0.01 budget, and no provider is called", async () => {
    const calls = upstreamCalls(harness);
    const client = openAiClient(harness, clientKeys.admin, { "x-project-id": "many-tools" });
    const refused = client.chat.completions.create({
      model: "priced-mini",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
      tools: Array.from({ length: 20 }, (_, index) => longTool(index)),
    });
    await expect(refused).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining("Budget exceeded"),
    });
    expect(upstreamCalls(harness)).toBe(calls);
  });

  it("holds for a response schema", async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 200 }, (_, index) => [
        `field_${index}`,
        { type: "string", description: longTool(index).function.description.slice(0, 200) },
      ]),
    );
    const client = openAiClient(harness, clientKeys.admin, { "x-project-id": "big-schema" });
    const refused = client.chat.completions.create({
      model: "priced-mini",
      max_tokens: 10,
      messages: [{ role: "user", content: "hi" }],
      response_format: {
        type: "json_schema",
        json_schema: { name: "big", schema: { type: "object", properties } },
      },
    });
    await expect(refused).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining("Budget exceeded"),
    });
  });

  it("holds for an image at its upper bound, not at 85 tokens", async () => {
    const client = openAiClient(harness, clientKeys.admin, { "x-project-id": "one-image" });
    const refused = client.chat.completions.create({
      model: "priced-mini",
      max_tokens: 10,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "https://example.invalid/large.png" } },
          ],
        },
      ],
    });
    await expect(refused).rejects.toMatchObject({
      status: 429,
      message: expect.stringContaining("Budget exceeded"),
    });
  });

  it("count_tokens counts special tokens as text, refuses more than it may count, and is rate-limited", async () => {
    const args = { project_id: "counting", agent_id: "a1", model: "gpt-4" };
    const counted = await callTool<{ tokens: number; exact: boolean }>(mcp, "count_tokens", {
      ...args,
      text: special,
    });
    expect(counted.isError).toBe(false);
    expect(counted.structured).toMatchObject({
      tokens: encode(special, { disallowedSpecial: new Set() }).length,
      exact: true,
    });

    const tooLong = await callTool(mcp, "count_tokens", {
      ...args,
      text: "a ".repeat(maxCountableCharacters / 2 + 1),
    });
    expect(tooLong.isError).toBe(true);
    expect(tooLong.text).toMatch(/text: Too big: expected string to have <=4000000 characters/);

    const half = "b ".repeat(maxCountableCharacters / 4 + 1);
    const tooManyMessages = await callTool(mcp, "count_tokens", {
      ...args,
      messages: [
        { role: "user", content: half },
        { role: "user", content: half },
      ],
    });
    expect(tooManyMessages.isError).toBe(true);
    expect(tooManyMessages.text).toMatch(/count_tokens counts at most 4,000,000 characters/);

    const limited = await callTool(mcp, "count_tokens", { ...args, text: "one more" });
    expect(limited.isError).toBe(true);
    expect(limited.text).toMatch(/GW_ERR_RATE_LIMITED/);
  });
});
