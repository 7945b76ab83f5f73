import type { Client } from "@modelcontextprotocol/client";
import { encode } from "gpt-tokenizer/encoding/o200k_base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { connectMcp } from "../helpers/mcp-client.js";

const keyOfA = "ck-test-result-a-5d1e0c2b9a8f7e6d";
const keyOfB = "ck-test-result-b-3c4d5e6f7a8b9c0d";
const maxResultTokens = 200;

interface Structured {
  content: string;
  truncated?: { shown_tokens: number; total_tokens: number; uri: string };
  model: string;
  answers?: Array<{ content: string; truncated?: { uri: string } }>;
}

/** About 1,500 tokens of distinct words, so a cut anywhere shows. */
const longAnswer = Array.from({ length: 600 }, (_, index) => `line ${index} of the answer.`).join("\n");

describe("MCP results that fit the client", () => {
  let harness: Harness;
  let clientA: Client;
  let clientB: Client;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["anthropic", "openai"],
      env: {
        LLM_GATEWAY_API_KEYS: `${keyOfA}=proj-a,${keyOfB}=proj-b`,
        LLM_GATEWAY_MCP_MAX_RESULT_TOKENS: String(maxResultTokens),
      },
    });
    clientA = await connectMcp(harness.url, { headers: { authorization: `Bearer ${keyOfA}` } });
    clientB = await connectMcp(harness.url, { headers: { authorization: `Bearer ${keyOfB}` } });
  });
  afterAll(async () => {
    await clientA.close();
    await clientB.close();
    await harness.close();
  });

  const ask = (client: Client, extra: Record<string, unknown> = {}) =>
    client.callTool({
      name: "chat_completion",
      arguments: {
        project_id: "proj-a",
        agent_id: "agent-1",
        model: "gpt-4.1-mini",
        messages: [{ role: "user", content: "Write it all." }],
        ...extra,
      },
    });

  it("puts the answer first and leaves out what a model has no use for", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text("Short."));
    const result = await ask(clientA);
    const structured = result.structuredContent as Record<string, unknown>;
    expect(Object.keys(structured)[0]).toBe("content");
    expect(structured.content).toBe("Short.");
    // A first-try success has no attempt list to read, and no tool call means no tool_calls.
    expect(structured).not.toHaveProperty("attempts");
    expect(structured).not.toHaveProperty("tool_calls");
    expect(structured).not.toHaveProperty("truncated");
    const [text] = result.content as Array<{ type: string; text: string }>;
    expect(text?.text).toMatch(
      /^Short\.\n\n\[gpt-4\.1-mini via openai, \d+ tokens, \$[\d.e-]+, conversation conv_[\w-]+\]$/,
    );
  });

  it("cuts a long answer in text and structuredContent, and links the whole as a resource of its project", async () => {
    harness.fakes.openai.enqueueChat(harness.fakes.openai.replies.text(longAnswer));
    const result = await ask(clientA);
    const structured = result.structuredContent as unknown as Structured;
    const total = encode(longAnswer).length;
    expect(structured.truncated).toMatchObject({
      total_tokens: total,
      uri: expect.stringMatching(/^llm-gateway:\/\/results\//),
    });
    expect(structured.truncated?.shown_tokens).toBeLessThanOrEqual(maxResultTokens);
    expect(structured.truncated?.shown_tokens).toBeGreaterThan(maxResultTokens * 0.8);
    expect(longAnswer.startsWith(structured.content)).toBe(true);
    expect(encode(structured.content).length).toBeLessThanOrEqual(maxResultTokens);

    const blocks = result.content as Array<{ type: string; text?: string; uri?: string }>;
    expect(blocks[0]?.text?.startsWith(structured.content)).toBe(true);
    expect(blocks[0]?.text).toContain(
      `[cut: the first ${structured.truncated?.shown_tokens} of ${total} tokens`,
    );
    expect(blocks[0]?.text).not.toContain("line 599 of the answer.");
    const link = blocks.find((block) => block.type === "resource_link");
    expect(link?.uri).toBe(structured.truncated?.uri);

    const read = await clientA.readResource({ uri: link?.uri ?? "" });
    expect(read.contents).toEqual([{ uri: link?.uri, mimeType: "text/plain", text: longAnswer }]);

    // Another project's key is told the result does not exist, as for an unknown id.
    await expect(clientB.readResource({ uri: link?.uri ?? "" })).rejects.toThrow(/No kept result/);
    await expect(clientA.readResource({ uri: "llm-gateway://results/no-such-id" })).rejects.toThrow(
      /No kept result/,
    );
  });

  it("shares the limit between the answers of a fan-out", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text(longAnswer));
    openai.enqueueChat(openai.replies.text("Brief."));
    const result = await ask(clientA, { model: undefined, models: ["claude-haiku", "gpt-4.1-mini"] });
    const { answers = [] } = result.structuredContent as unknown as Structured;
    expect(encode(answers[0]?.content ?? "").length).toBeLessThanOrEqual(maxResultTokens / 2);
    expect(answers[1]).toMatchObject({ content: "Brief." });
    const read = await clientA.readResource({ uri: answers[0]?.truncated?.uri ?? "" });
    expect((read.contents[0] as { text: string }).text).toBe(longAnswer);
  });

  it("declares the resources capability", () => {
    expect(clientA.getServerCapabilities()?.resources).toBeDefined();
  });

  it("keeps the whole tool list under 3,500 o200k tokens", async () => {
    const response = await fetch(`${harness.url}/mcp/tools`, {
      headers: { authorization: `Bearer ${keyOfA}` },
    });
    const { tools } = (await response.json()) as { tools: Array<{ name: string }> };
    expect(tools.map((tool) => tool.name)).toContain("chat_completion");
    const size = encode(JSON.stringify(tools)).length;
    console.log(`[tool list] ${tools.length} tools, ${size} o200k tokens`);
    expect(size).toBeLessThan(3_500);
  });
});
