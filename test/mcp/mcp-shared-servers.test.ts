import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

/*
 * A 2025 client's tools/call is served by MCP servers built once and used again by later
 * requests (issue 21). Nothing of one request may reach another: each call is judged by its
 * own POST's client key, books to its own project, and hears only its own progress.
 */
const keyA = "ck-test-shared-a-5d1e7c3b9a2f4e60";
const keyB = "ck-test-shared-b-0c9b8a7f6e5d4c3b";

interface Answer {
  status: number;
  messages: Array<{ id?: unknown; method?: string; params?: Record<string, unknown>; result?: CallResult }>;
}

interface CallResult {
  isError?: boolean;
  content: Array<{ text?: string }>;
  structuredContent?: { content?: string };
}

describe("MCP servers shared by stateless tools/call requests", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: { LLM_GATEWAY_API_KEYS: `${keyA}=proj-a,${keyB}=proj-b`, LLM_GATEWAY_MAX_RETRIES: "0" },
    });
  });
  afterAll(async () => harness.close());

  /** One tools/call POST as a 2025 client sends it, its SSE answer read whole. */
  async function call(
    key: string,
    id: number | string,
    args: Record<string, unknown>,
    meta?: Record<string, unknown>,
  ): Promise<Answer> {
    const response = await fetch(new URL("/mcp", harness.url), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
        authorization: `Bearer ${key}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id,
        method: "tools/call",
        params: { name: "chat_completion", arguments: args, ...(meta ? { _meta: meta } : {}) },
      }),
    });
    const text = await response.text();
    const messages = text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => JSON.parse(line.slice("data: ".length)));
    return { status: response.status, messages };
  }

  const chat = (project: string, extra: Record<string, unknown> = {}) => ({
    project_id: project,
    agent_id: "agent-1",
    model: "gpt-4.1-mini",
    messages: [{ role: "user", content: "Say hello" }],
    ...extra,
  });

  function resultOf(answer: Answer): CallResult {
    expect(answer.status).toBe(200);
    const result = answer.messages.at(-1)?.result;
    if (!result) throw new Error(`no result in ${JSON.stringify(answer.messages)}`);
    return result;
  }

  async function requestsOf(project: string, key: string): Promise<number> {
    const response = await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`, {
      headers: { authorization: `Bearer ${key}` },
    });
    return ((await response.json()) as { requests: number }).requests;
  }

  it("judges each call by its own request's key, one after another and many at once", async () => {
    const asked: Array<{ key: string; project: string }> = [];
    for (let round = 0; round < 4; round++) {
      asked.push(
        { key: keyA, project: "proj-a" },
        { key: keyB, project: "proj-b" },
        { key: keyA, project: "proj-b" },
        { key: keyB, project: "proj-a" },
      );
    }
    // One after another: the one idle server answers every caller in turn.
    const sequential: Answer[] = [];
    for (const { key, project } of asked) sequential.push(await call(key, 1, chat(project)));
    // At once: several servers, each used by both keys over the run.
    const concurrent = await Promise.all(
      [...asked, ...asked].map(({ key, project }) => call(key, 1, chat(project))),
    );
    const answers = [...sequential, ...concurrent];
    const calls = [...asked, ...asked, ...asked];
    answers.forEach((answer, index) => {
      const { key, project } = calls[index] as { key: string; project: string };
      const result = resultOf(answer);
      const own = (key === keyA) === (project === "proj-a");
      if (own) {
        expect(result.isError, JSON.stringify(result)).toBeFalsy();
        expect(result.structuredContent?.content).toBe("Hello from fake gpt-4.1-mini");
      } else {
        expect(result.isError).toBe(true);
        expect(result.content[0]?.text).toMatch(/^GW_ERR_FORBIDDEN_PROJECT: .* may act for: proj-[ab]\.$/);
      }
    });
    // Each key's own calls, booked to its own project: 4 sequential + 8 concurrent.
    expect(await requestsOf("proj-a", keyA)).toBe(12);
    expect(await requestsOf("proj-b", keyB)).toBe(12);
  });

  it("sends each call's progress on its own response only, though every call has the same id", async () => {
    const { openai } = harness.fakes;
    const pieces = ["one ", "two ", "three ", "four"];
    const callers = Array.from({ length: 8 }, (_, index) => ({
      key: index % 2 === 0 ? keyA : keyB,
      project: index % 2 === 0 ? "proj-a" : "proj-b",
      token: `token-${index}`,
    }));
    for (let round = 0; round < 2; round++) {
      openai.enqueueChat(
        ...callers.map(() => openai.replies.stream(pieces, { chunkDelayMs: 20 + Math.random() * 20 })),
      );
      const answers = await Promise.all(
        callers.map(({ key, project, token }) =>
          call(key, 1, chat(project, { stream: true }), { progressToken: token }),
        ),
      );
      answers.forEach((answer, index) => {
        const { token } = callers[index] as { token: string };
        const progress = answer.messages.filter((message) => message.method === "notifications/progress");
        expect(progress.map((message) => message.params?.progressToken)).toEqual(progress.map(() => token));
        expect(progress.map((message) => message.params?.message)).toEqual(expect.arrayContaining(pieces));
        expect(answer.messages.at(-1)?.id).toBe(1);
        expect(resultOf(answer).structuredContent?.content).toBe(pieces.join(""));
      });
    }
  });

  it("keeps serving other callers after a caller closed its response mid-call", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(["slow ", "answer"], { chunkDelayMs: 1_000 }));
    const controller = new AbortController();
    const abandoned = fetch(new URL("/mcp", harness.url), {
      method: "POST",
      signal: controller.signal,
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "mcp-protocol-version": "2025-06-18",
        authorization: `Bearer ${keyA}`,
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "chat_completion",
          arguments: chat("proj-a", { stream: true }),
          _meta: { progressToken: "gone" },
        },
      }),
    });
    const response = await abandoned;
    expect(response.status).toBe(200);
    await expect.poll(() => openai.chatCalls().length).toBe(1);
    controller.abort();
    await expect.poll(() => openai.chatCalls()[0]?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    const answers = await Promise.all(
      ["b-1", "b-2", "b-3"].map((token) =>
        call(keyB, 1, chat("proj-b", { stream: true }), { progressToken: token }),
      ),
    );
    answers.forEach((answer, index) => {
      const progress = answer.messages.filter((message) => message.method === "notifications/progress");
      expect(new Set(progress.map((message) => message.params?.progressToken))).toEqual(
        new Set([`b-${index + 1}`]),
      );
      expect(resultOf(answer).isError).toBeFalsy();
    });
  });
});
