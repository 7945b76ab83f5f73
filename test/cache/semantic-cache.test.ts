import { randomUUID } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openAiEmbeddingsReply } from "../../src/fakes/openai/openai-style-fake.js";
import { noRedisServer, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const engines = [
  { name: "sqlite", env: (): Record<string, string> => ({}) },
  {
    name: "redis",
    env: (): Record<string, string> => ({
      LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
      LLM_GATEWAY_REDIS_KEY_PREFIX: `semantic-test-${randomUUID()}:`,
    }),
  },
].filter((engine) => engine.name === "sqlite" || !noRedisServer);

describe.each(engines)("semantic matching on $name (opted in per project)", (engine) => {
  let harness: Harness;
  const clientFor = (project: string) =>
    new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": project, "x-agent-id": "agent-1" },
    });
  const vector = (...values: number[]) =>
    openAiEmbeddingsReply([values], { model: "text-embedding-3-large" });
  const ask = (project: string, question: string, system = "Answer briefly.") =>
    clientFor(project)
      .chat.completions.create({
        model: "gpt-4.1-mini",
        temperature: 0,
        messages: [
          { role: "system", content: system },
          { role: "user", content: question },
        ],
      })
      .withResponse();

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0", ...engine.env() },
      configYaml: "cache:\n  projects:\n    proj-sem: { semantic: { threshold: 0.9 } }\n",
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("answers a paraphrase from a similar cached request with the same other fields, booking the embedding", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(
      openai.replies.text("Paris."),
      openai.replies.text("A joke."),
      openai.replies.text("Paris!"),
    );
    openai.enqueueEmbeddings?.(
      vector(1, 0, 0), // the first question
      vector(0.98, 0.15, 0), // its paraphrase: cosine 0.99
      vector(0, 1, 0), // another question: cosine 0
      vector(0.98, 0.15, 0), // the paraphrase under another system prompt (another prefix)
    );
    const first = await ask("proj-sem", "What is the capital of France?");
    expect(first.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    const paraphrase = await ask("proj-sem", "Which city is France's capital?");
    expect(paraphrase.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(paraphrase.data.choices[0]?.message.content).toBe("Paris.");
    const unrelated = await ask("proj-sem", "Tell me a joke.");
    expect(unrelated.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(unrelated.data.choices[0]?.message.content).toBe("A joke.");
    const otherPrefix = await ask("proj-sem", "Which city is France's capital?", "Answer in French.");
    expect(otherPrefix.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(otherPrefix.data.choices[0]?.message.content).toBe("Paris!");
    expect(openai.chatCalls()).toHaveLength(3);
    // Each lookup embedded the last user turn only, with the embedding group.
    const embedded = openai.embeddingCalls?.().map((call) => (call.body as { input: unknown }).input);
    expect(embedded).toEqual([
      ["What is the capital of France?"],
      ["Which city is France's capital?"],
      ["Tell me a joke."],
      ["Which city is France's capital?"],
    ]);
    const usage = (await (await fetch(`${harness.url}/v1/usage?project_id=proj-sem&period=all`)).json()) as {
      requests: number;
      cache_hits: number;
      by_model: Record<string, { requests: number; cost_usd: number }>;
    };
    // 4 chat requests (one a hit) and 4 embeddings, each booked.
    expect(usage.requests).toBe(8);
    expect(usage.cache_hits).toBe(1);
    expect(usage.by_model["text-embedding-3-large"]?.requests).toBe(4);
    expect(usage.by_model["text-embedding-3-large"]?.cost_usd).toBeGreaterThan(0);
  });

  it("matches a paraphrase on the Messages door too, through its translation", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.text("Rome."));
    openai.enqueueEmbeddings?.(vector(0, 0, 1), vector(0.1, 0, 0.99));
    const client = new Anthropic({
      apiKey: "unused-without-client-keys",
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-sem", "x-agent-id": "claude" },
    });
    const ask = (question: string) => {
      // Held in a variable: this SDK version's types leave `temperature` out, the API takes it.
      const params = {
        model: "claude-sonnet-4",
        max_tokens: 50,
        temperature: 0,
        system: "Answer in one word.",
        messages: [{ role: "user" as const, content: question }],
      };
      return client.messages.create(params).withResponse();
    };
    expect((await ask("What is the capital of Italy?")).response.headers.get("x-llm-gateway-cache")).toBe(
      "miss",
    );
    const paraphrase = await ask("Italy's capital city?");
    expect(paraphrase.response.headers.get("x-llm-gateway-cache")).toBe("hit");
    expect(paraphrase.data.content).toMatchObject([{ type: "text", text: "Rome." }]);
    expect(anthropic.chatCalls()).toHaveLength(1);
    expect(openai.embeddingCalls?.().map((call) => (call.body as { input: unknown }).input)).toEqual([
      ["What is the capital of Italy?"],
      ["Italy's capital city?"],
    ]);
  });

  it("is off for a project that did not opt in: no embedding, a paraphrase is a miss", async () => {
    const { openai } = harness.fakes;
    await ask("proj-plain", "What is the capital of Italy?");
    const paraphrase = await ask("proj-plain", "Which city is Italy's capital?");
    expect(paraphrase.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(openai.chatCalls()).toHaveLength(2);
    expect(openai.embeddingCalls?.()).toHaveLength(0);
  });

  it("falls back to a miss when the embedding call fails", async () => {
    const { openai, voyage } = harness.fakes;
    openai.enqueueEmbeddings?.(openai.replies.error(400, "bad input"));
    voyage.enqueueEmbeddings?.(voyage.replies.error(400, "bad input"));
    const answer = await ask("proj-sem", `Something new ${randomUUID()}`);
    expect(answer.response.status).toBe(200);
    expect(answer.response.headers.get("x-llm-gateway-cache")).toBe("miss");
    expect(harness.logs.some((line) => String(line.msg).startsWith("semantic cache lookup failed"))).toBe(
      true,
    );
  });
});
