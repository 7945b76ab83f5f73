import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const jsonHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };

/** Reads a JSON-RPC answer whether the server chose a JSON body or an SSE stream. */
async function rpcBody(response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  if (response.headers.get("content-type")?.includes("text/event-stream")) {
    const data = text
      .split("\n")
      .filter((line) => line.startsWith("data: "))
      .map((line) => line.slice(6));
    return JSON.parse(data.at(-1) ?? "{}");
  }
  return JSON.parse(text);
}

describe("MCP endpoint under malformed input", () => {
  let harness: Harness;
  let mcpUrl: URL;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["openai"], env: { LLM_GATEWAY_BODY_LIMIT_BYTES: "65536" } });
    mcpUrl = new URL("/mcp", harness.url);
  });
  afterAll(async () => harness.close());

  const post = (body: string, headers: Record<string, string> = jsonHeaders) =>
    fetch(mcpUrl, { method: "POST", headers, body });

  it("answers malformed JSON with -32700", async () => {
    const response = await post("{not json");
    expect(response.status).toBe(400);
    expect(await rpcBody(response)).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 } });
  });

  it("answers a message that is not JSON-RPC with -32600", async () => {
    const response = await post(JSON.stringify({ hello: "world" }));
    expect(response.status).toBe(400);
    expect(await rpcBody(response)).toMatchObject({ error: { code: -32600 } });
  });

  it("answers an unknown method with -32601", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "no/such/method" }));
    expect(await rpcBody(response)).toMatchObject({ id: 7, error: { code: -32601 } });
  });

  it("answers an unknown tool with -32602", async () => {
    const response = await post(
      JSON.stringify({
        jsonrpc: "2.0",
        id: 8,
        method: "tools/call",
        params: { name: "rm_rf", arguments: {} },
      }),
    );
    expect(await rpcBody(response)).toMatchObject({ id: 8, error: { code: -32602 } });
  });

  it("answers a wrong Content-Type with 415 and a wrong Accept with 406", async () => {
    const ping = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" });
    expect((await post(ping, { "content-type": "text/plain", accept: jsonHeaders.accept })).status).toBe(415);
    expect((await post(ping, { "content-type": "application/json", accept: "text/html" })).status).toBe(406);
  });

  it("answers a body over the limit with 413", async () => {
    const huge = JSON.stringify({
      jsonrpc: "2.0",
      id: 9,
      method: "tools/call",
      params: {
        name: "count_tokens",
        arguments: { project_id: "p", agent_id: "a", text: "x".repeat(100_000) },
      },
    });
    expect((await post(huge)).status).toBe(413);
  });

  it("refuses a foreign Origin (DNS rebinding) with 403", async () => {
    const response = await post(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }), {
      ...jsonHeaders,
      origin: "http://evil.example",
    });
    expect(response.status).toBe(403);
  });

  it("refuses a foreign Host with 403", async () => {
    const { request } = await import("node:http");
    const status = await new Promise<number>((resolve, reject) => {
      const outgoing = request(
        mcpUrl,
        { method: "POST", headers: { ...jsonHeaders, host: "attacker.example" } },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      );
      outgoing.on("error", reject);
      outgoing.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
    });
    expect(status).toBe(403);
  });

  it("keeps serving after all of the above", async () => {
    const response = await fetch(new URL("/health", harness.url));
    expect(response.status).toBe(200);
    const ping = await post(JSON.stringify({ jsonrpc: "2.0", id: 10, method: "ping" }));
    expect(await rpcBody(ping)).toMatchObject({ id: 10, result: {} });
  });
});
