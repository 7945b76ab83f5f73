import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  ControlledStream,
  type FakeResponse,
  type FakeSseEvent,
} from "../../src/fakes/fake-upstream-server.js";
import type { ChatResult } from "../../src/gateway/chat-types.js";
import type { UsageReport } from "../../src/gateway/get-usage.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { readSseData } from "../helpers/read-sse.js";

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: "reasoning",
  messages: [{ role: "user", content: "Tell me a story" }],
  stream: true,
  ...extra,
});

function sseEventsOf(response: FakeResponse): FakeSseEvent[] {
  if (response.type !== "sse") throw new Error("expected a scripted SSE response");
  return response.events;
}

describe("streaming end to end", () => {
  let harness: Harness;
  let openaiClient: OpenAI;
  const post = (project: string, body: unknown, signal?: AbortSignal) =>
    fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": project, "x-agent-id": "streamer" },
      body: JSON.stringify(body),
      signal,
    });
  const usageOf = async (project: string) =>
    (await (await fetch(`${harness.url}/v1/usage?project_id=${project}&period=all`)).json()) as UsageReport;

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml: "providers:\n  anthropic: { first_byte_timeout_ms: 300, answer_timeout_ms: 300 }\n",
    });
    openaiClient = new OpenAI({
      apiKey: "unused",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-stream-sdk" },
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("forwards each chunk before the upstream sends the next (no buffering)", async () => {
    const { anthropic } = harness.fakes;
    const stream = new ControlledStream();
    anthropic.enqueueChat({ type: "controlled", stream });
    const events = sseEventsOf(anthropic.replies.stream(["first", " second"]));
    const responsePromise = post("proj-timing", chatBody());
    await stream.opened();
    // Everything up to and including the first text delta; the rest is held back until the client saw it.
    const firstTextIndex = events.findIndex((event) => event.data.includes("first"));
    for (const event of events.slice(0, firstTextIndex + 1)) stream.send(event);
    const response = await responsePromise;
    const reader = readSseData(response.body as ReadableStream<Uint8Array>);
    let received = "";
    while (!received.includes("first")) {
      const next = await reader.next();
      if (next.done) throw new Error("stream ended early");
      received += JSON.parse(next.value).choices[0]?.delta?.content ?? "";
    }
    expect(received).toBe("first");
    for (const event of events.slice(firstTextIndex + 1)) stream.send(event);
    stream.end();
    const rest: string[] = [];
    for await (const data of { [Symbol.asyncIterator]: () => reader }) rest.push(data);
    expect(rest.at(-1)).toBe("[DONE]");
    expect(
      rest
        .map((data) => (data === "[DONE]" ? "" : (JSON.parse(data).choices[0]?.delta?.content ?? "")))
        .join(""),
    ).toBe(" second");
  });

  it("fails over invisibly when the primary errors before the first token", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.streamError([]));
    openai.enqueueChat(openai.replies.stream(["from ", "openai"]));
    const response = await post("proj-failover", chatBody());
    expect(response.status).toBe(200);
    expect(response.headers.get("x-llm-gateway-provider")).toBe("openai");
    expect(response.headers.get("x-llm-gateway-attempts")).toBe("2");
    let text = "";
    for await (const data of readSseData(response.body as ReadableStream<Uint8Array>)) {
      if (data === "[DONE]") break;
      const chunk = JSON.parse(data);
      expect(chunk.error).toBeUndefined();
      text += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(text).toBe("from openai");
  });

  it("fails over when the primary's first byte times out, or it answers 529", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat({ type: "hang" });
    const timedOut = await post("proj-failover", chatBody());
    expect(timedOut.headers.get("x-llm-gateway-provider")).toBe("openai");
    await timedOut.text();
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    const overloaded = await post("proj-failover", chatBody());
    expect(overloaded.headers.get("x-llm-gateway-provider")).toBe("openai");
    await overloaded.text();
    expect(openai.chatCalls()).toHaveLength(2);
  });

  it("after tokens were sent, a failure ends the stream with an OpenAI error event; the delivered part is booked", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.streamError(["Once upon", " a time"]));
    const stream = await openaiClient.chat.completions.create({
      model: "reasoning",
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
    });
    let text = "";
    const failure = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((error: unknown) => error);
    expect(text).toBe("Once upon a time");
    expect(failure).toBeInstanceOf(OpenAI.APIError);
    expect(String((failure as Error).message)).toContain("failed after it had started answering");
    expect(openai.chatCalls()).toHaveLength(0);
    const usage = await usageOf("proj-stream-sdk");
    expect(usage.requests).toBe(1);
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.by_model["claude-opus-4-5"]?.requests).toBe(1);
  });

  it("a client that disconnects aborts the upstream at once, and what was delivered is booked", async () => {
    const { anthropic } = harness.fakes;
    const stream = new ControlledStream();
    anthropic.enqueueChat({ type: "controlled", stream });
    const events = sseEventsOf(anthropic.replies.stream(["partial answer", " never sent"]));
    const abort = new AbortController();
    const responsePromise = post("proj-disconnect", chatBody(), abort.signal);
    await stream.opened();
    const firstTextIndex = events.findIndex((event) => event.data.includes("partial answer"));
    for (const event of events.slice(0, firstTextIndex + 1)) stream.send(event);
    const response = await responsePromise;
    const reader = readSseData(response.body as ReadableStream<Uint8Array>);
    await reader.next();
    abort.abort();
    await stream.closed();
    expect(stream.closedByClient).toBe(true);
    await expect.poll(async () => (await usageOf("proj-disconnect")).requests).toBe(1);
    const usage = await usageOf("proj-disconnect");
    expect(usage.output_tokens).toBeGreaterThan(0);
  });

  it("a slow reader makes the gateway stop reading upstream (backpressure), not buffer", async () => {
    const { openai } = harness.fakes;
    const stream = new ControlledStream();
    openai.enqueueChat({ type: "controlled", stream });
    const events = sseEventsOf(
      openai.replies.stream(["x".repeat(16_384), ...Array.from({ length: 3 }, () => "y")]),
    );
    const abort = new AbortController();
    const responsePromise = fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "proj-slow" },
      body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: "go" }], stream: true }),
      signal: abort.signal,
    });
    await stream.opened();
    const contentEvent = events.find((event) => event.data.includes("xxxx")) as FakeSseEvent;
    for (const event of events.slice(0, events.indexOf(contentEvent) + 1)) stream.send(event);
    await responsePromise; // headers arrived; the body is never read from here on
    // 2,000 x 16 KiB = 32 MiB offered; a buffering gateway would swallow all of it.
    for (let i = 0; i < 2_000; i++) stream.send(contentEvent);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(stream.bufferedBytes).toBeGreaterThan(16 * 1024 * 1024);
    abort.abort();
  });

  it("sends MCP progress notifications in order, then the full result", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(
      anthropic.replies.stream(["alpha ", "beta ", "gamma"], { usage: { inputTokens: 5, outputTokens: 3 } }),
    );
    const client: Client = await connectMcp(harness.url);
    const progress: Array<{ progress: number; message?: string }> = [];
    const result = await client.callTool(
      {
        name: "chat_completion",
        arguments: {
          project_id: "proj-mcp-stream",
          agent_id: "a",
          messages: [{ role: "user", content: "Go" }],
          stream: true,
        },
      },
      { onprogress: (update) => progress.push({ progress: update.progress, message: update.message }) },
    );
    // A status line as the attempt starts, then each delta.
    expect(progress[0]?.message).toMatch(/^waiting for claude-opus-4-5 \(anthropic\)/);
    expect(progress.slice(1).map((update) => update.message)).toEqual(["alpha ", "beta ", "gamma"]);
    expect(progress.map((update) => update.progress)).toEqual([1, 2, 3, 4]);
    const structured = result.structuredContent as unknown as ChatResult;
    expect(structured).toMatchObject({
      content: "alpha beta gamma",
      provider: "anthropic",
      finish_reason: "stop",
    });
    expect(structured.usage).toMatchObject({ input_tokens: 5, output_tokens: 3 });
    await client.close();
  });

  it("an MCP stream that breaks after tokens ends in an isError result, and is booked", async () => {
    const { anthropic } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.streamError(["half"]));
    const client: Client = await connectMcp(harness.url);
    const messages: string[] = [];
    const result = await client.callTool(
      {
        name: "chat_completion",
        arguments: {
          project_id: "proj-mcp-broken",
          agent_id: "a",
          messages: [{ role: "user", content: "Go" }],
          stream: true,
        },
      },
      { onprogress: (update) => messages.push(update.message ?? "") },
    );
    expect(messages[0]).toMatch(/^waiting for claude-opus-4-5 \(anthropic\)/);
    expect(messages.slice(1)).toEqual(["half"]);
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("GW_ERR_STREAM_INTERRUPTED");
    const usage = await callTool<UsageReport>(client, "get_usage", {
      project_id: "proj-mcp-broken",
      agent_id: "a",
    });
    expect(usage.structured.requests).toBe(1);
    await client.close();
  });
});
