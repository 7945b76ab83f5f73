import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { expectClientLeftLoggedAsWarnOnly } from "../helpers/client-left-logs.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { connectMcp } from "../helpers/mcp-client.js";
import { type Replicas, startRedisReplicas } from "../security/security-fixtures.js";

/** Issue 17, point 1: a cancelled tools/call stops the upstream call and books only what was spent. */
const pieces = Array.from({ length: 40 }, (_, index) => `piece${index} `);

async function usageOf(harness: Harness, projectId: string) {
  const response = await fetch(`${harness.url}/v1/usage?project_id=${projectId}&period=all`);
  return (await response.json()) as { requests: number; output_tokens: number; cost_usd: number };
}

describe("MCP cancellation", () => {
  let harness: Harness;
  let client: Client;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"] });
    client = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await client.close();
    await harness.close();
  });

  it("notifications/cancelled stops a streamed chat_completion: the upstream call is aborted and only the delivered part is booked", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(
      openai.replies.stream(pieces, { chunkDelayMs: 100, usage: { inputTokens: 9, outputTokens: 80 } }),
    );
    const controller = new AbortController();
    const progress: string[] = [];
    const call = client.callTool(
      {
        name: "chat_completion",
        arguments: {
          project_id: "cancel-mcp",
          agent_id: "a",
          model: "gpt-4.1-mini",
          stream: true,
          messages: [{ role: "user", content: "Count slowly" }],
        },
      },
      {
        signal: controller.signal,
        onprogress: (notification) => {
          progress.push(notification.message ?? "");
          if (progress.length === 2) controller.abort("enough");
        },
      },
    );
    await expect(call).rejects.toThrow();
    const [upstream] = openai.chatCalls();
    // The upstream request is closed by the gateway long before the 4 s the answer takes.
    await expect.poll(() => upstream?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await expect
      .poll(async () => (await usageOf(harness, "cancel-mcp")).requests, { timeout: 2_000 })
      .toBe(1);
    const usage = await usageOf(harness, "cancel-mcp");
    expect(usage.output_tokens).toBeGreaterThan(0);
    expect(usage.output_tokens).toBeLessThan(40);
  });
});

const rpcHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** A raw streamed tools/call: resolves once `progressEvents` progress notifications arrived, leaving the response open. */
async function startStreamedCall(url: string, id: number, projectId: string, signal?: AbortSignal) {
  const response = await fetch(new URL("/mcp", url), {
    method: "POST",
    headers: rpcHeaders,
    signal,
    body: JSON.stringify({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: {
        name: "chat_completion",
        _meta: { progressToken: `p-${id}` },
        arguments: {
          project_id: projectId,
          agent_id: "a",
          model: "gpt-4.1-mini",
          stream: true,
          messages: [{ role: "user", content: "Count slowly" }],
        },
      },
    }),
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  while ((text.match(/notifications\/progress/g) ?? []).length < 2) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the call ended before two progress notifications: ${text}`);
    text += decoder.decode(value);
  }
  return {
    reader,
    rest: async () =>
      text +
      (await new Response(
        new ReadableStream({
          pull: async (c) => {
            const { value, done } = await reader.read();
            if (done) c.close();
            else c.enqueue(value);
          },
        }),
      ).text()),
  };
}

function cancel(url: string, requestId: number) {
  return fetch(new URL("/mcp", url), {
    method: "POST",
    headers: rpcHeaders,
    body: JSON.stringify({
      jsonrpc: "2.0",
      method: "notifications/cancelled",
      params: { requestId, reason: "enough" },
    }),
  });
}

describe("MCP cancellation over raw HTTP", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"] });
  });
  afterAll(async () => harness.close());

  it("a notifications/cancelled POST aborts the call it names, while its response stays open", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.stream(pieces, { chunkDelayMs: 100 }));
    const call = await startStreamedCall(harness.url, 41, "cancel-raw");
    expect((await cancel(harness.url, 41)).status).toBe(202);
    const [upstream] = openai.chatCalls();
    await expect.poll(() => upstream?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await call.rest().catch(() => undefined);
    await expect
      .poll(async () => (await usageOf(harness, "cancel-raw")).requests, { timeout: 2_000 })
      .toBe(1);
    expect((await usageOf(harness, "cancel-raw")).output_tokens).toBeLessThan(40);
  });

  it("closing the response stream (the 2026-07-28 cancellation) aborts the call", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat(openai.replies.stream(pieces, { chunkDelayMs: 100 }));
    const controller = new AbortController();
    await startStreamedCall(harness.url, 42, "cancel-close", controller.signal);
    controller.abort();
    const [upstream] = openai.chatCalls();
    await expect.poll(() => upstream?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await expect
      .poll(async () => (await usageOf(harness, "cancel-close")).requests, { timeout: 2_000 })
      .toBe(1);
  });

  it("a call whose client closes its response before any answer is a warn line, not an unexpected error", async () => {
    const { openai } = harness.fakes;
    openai.server.reset();
    openai.enqueueChat({ type: "hang" });
    const controller = new AbortController();
    const response = fetch(new URL("/mcp", harness.url), {
      method: "POST",
      headers: rpcHeaders,
      signal: controller.signal,
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 43,
        method: "tools/call",
        params: {
          name: "chat_completion",
          arguments: {
            project_id: "left-early",
            agent_id: "a",
            model: "gpt-4.1-mini",
            messages: [{ role: "user", content: "Hi" }],
          },
        },
      }),
    }).catch(() => undefined);
    await expect.poll(() => openai.chatCalls().length).toBe(1);
    // The provider has the call and no answer came: closing now is the client leaving before the answer
    // (whether or not the response's head, sent 20 ms in, arrived).
    controller.abort();
    await response;
    await expectClientLeftLoggedAsWarnOnly(harness, "left-early");
  });

  it("a cancellation naming no call in flight changes nothing", async () => {
    expect((await cancel(harness.url, 999)).status).toBe(202);
    expect(harness.gateway.inFlight.size).toBe(0);
  });

  it("answers malformed params with -32602 and a readable message, not -32603", async () => {
    const post = async (body: unknown) =>
      (
        await fetch(new URL("/mcp", harness.url), {
          method: "POST",
          headers: rpcHeaders,
          body: JSON.stringify(body),
        })
      ).json();
    expect(await post({ jsonrpc: "2.0", id: 1, method: "initialize", params: {} })).toMatchObject({
      id: 1,
      error: {
        code: -32602,
        message: expect.stringMatching(/^Invalid params for initialize: params\.protocolVersion: /),
      },
    });
    expect(await post({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { cursor: 5 } })).toMatchObject({
      id: 2,
      error: { code: -32602, message: expect.stringContaining("params.cursor") },
    });
  });
});

describeWithRedis("MCP cancellation across replicas sharing Redis", () => {
  let replicas: Replicas;
  beforeAll(async () => {
    replicas = await startRedisReplicas(2, { providers: ["openai"] });
  });
  afterAll(async () => replicas.close());

  it("a cancellation sent to another replica reaches the one holding the call", async () => {
    const [holder, other] = replicas.harnesses as [Harness, Harness];
    const { openai } = holder.fakes;
    openai.enqueueChat(openai.replies.stream(pieces, { chunkDelayMs: 100 }));
    const call = await startStreamedCall(holder.url, 43, "cancel-replicas");
    expect((await cancel(other.url, 43)).status).toBe(202);
    const [upstream] = openai.chatCalls();
    await expect.poll(() => upstream?.clientClosedEarly, { timeout: 2_000 }).toBe(true);
    await call.rest().catch(() => undefined);
  });
});
