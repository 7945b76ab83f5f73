import { connect } from "node:net";
import type { Client } from "@modelcontextprotocol/client";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";
import { hello, openAiClient, upstreamCalls, usageOf } from "./security-fixtures.js";

const bodyLimit = 4 * 1024 * 1024;
const mcpHeaders = { "content-type": "application/json", accept: "application/json, text/event-stream" };
const safeRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** `depth` nested arrays: `[[[...]]]`. */
const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
/** `depth` nested objects: `{"a":{"a":...{}}}`. */
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}{}${"}".repeat(depth)}`;

/**
 * Sends raw bytes as one HTTP/1.1 request and returns the raw response once
 * it is complete (the MCP handler keeps the connection alive whatever the
 * request asked, so the socket's end cannot be awaited).
 */
function rawRequest(port: number, head: string, body: Buffer = Buffer.alloc(0)): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(Buffer.concat([Buffer.from(head, "latin1"), body]));
    });
    let received = "";
    const finish = () => {
      socket.destroy();
      resolve(received);
    };
    socket.on("data", (chunk) => {
      received += chunk.toString("latin1");
      if (responseComplete(received)) finish();
    });
    socket.on("end", finish);
    socket.on("error", reject);
  });
}

function responseComplete(response: string): boolean {
  const headEnd = response.indexOf("\r\n\r\n");
  if (headEnd < 0) return false;
  const length = headerOf(response, "content-length")[0];
  if (length !== undefined) return response.length - headEnd - 4 >= Number(length);
  return response.endsWith("\r\n0\r\n\r\n");
}

function headerOf(response: string, name: string): string[] {
  const head = response.split("\r\n\r\n")[0] ?? "";
  return head
    .split("\r\n")
    .filter((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`))
    .map((line) => line.slice(name.length + 1).trim());
}

describe("hostile input at the running server", () => {
  let harness: Harness;
  let mcp: Client;
  let port: number;
  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_BODY_LIMIT_BYTES: String(bodyLimit), LLM_GATEWAY_MAX_RETRIES: "0" },
    });
    mcp = await connectMcp(harness.url);
    port = Number(new URL(harness.url).port);
  });
  afterEach(async () => {
    // Whatever came in, the process still serves and no refused request reached a provider.
    expect((await fetch(new URL("/health", harness.url))).status).toBe(200);
    expect(upstreamCalls(harness)).toBe(0);
    expect((await usageOf(harness, "proj-hostile")).requests).toBe(0);
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
  });

  const v1 = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(new URL(path, harness.url), {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "proj-hostile", ...headers },
      body,
    });
  const rpc = (body: string | Buffer) =>
    fetch(new URL("/mcp", harness.url), { method: "POST", headers: mcpHeaders, body });
  const chatBody = (extra: string) =>
    `{"model":"gpt-4.1","messages":[{"role":"user","content":"hi"}],${extra}}`;

  it("answers an oversized body with 413 on every door", async () => {
    const huge = JSON.stringify({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "x".repeat(bodyLimit) }],
    });
    for (const path of ["/v1/chat/completions", "/v1/embeddings"]) {
      const response = await v1(path, huge);
      expect(response.status, path).toBe(413);
      expect(await response.json()).toMatchObject({ error: { code: "GW_ERR_INVALID_REQUEST" } });
    }
    expect((await rpc(huge)).status).toBe(413);
  });

  it("survives JSON nested 100,000 levels deep wherever it lands", async () => {
    const deep = [nestedArrays(100_000), nestedObjects(100_000)];
    for (const value of deep) {
      // An ignored field is dropped: the request is served (and booked to another project).
      const ignored = await v1("/v1/chat/completions", chatBody(`"vendor_extension":${value}`), {
        "x-project-id": "proj-served",
      });
      expect(ignored.status).toBe(200);
      harness.fakes.openai.server.reset();
      // The whole body, and fields the gateway keeps and forwards.
      const bodies = [
        value,
        chatBody(`"tools":[{"type":"function","function":{"name":"f","parameters":{"a":${value}}}}]`),
        chatBody(
          `"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"a":${value}}}}`,
        ),
        chatBody(`"messages":${value}`),
      ];
      for (const body of bodies) {
        const response = await v1("/v1/chat/completions", body);
        expect(response.status, body.slice(0, 120)).toBeLessThan(500);
        expect(response.status, body.slice(0, 120)).toBeGreaterThanOrEqual(400);
      }
      const embed = await v1("/v1/embeddings", `{"model":"embedding","input":${value}}`);
      expect(embed.status).toBe(400);
      for (const body of [
        `{"jsonrpc":"2.0","id":1,"method":"ping","params":${value}}`,
        `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"chat_completion","arguments":{"project_id":"proj-hostile","agent_id":"a","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":{"a":${value}}}}]}}}`,
        `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"count_tokens","arguments":{"project_id":"proj-hostile","agent_id":"a","messages":${value}}}}`,
      ]) {
        const response = await rpc(body);
        expect(response.status, body.slice(0, 120)).toBeLessThan(500);
        const text = await response.text();
        // Refused as the client's error: not served, not a provider failure, not an internal error.
        expect(text, body.slice(0, 120)).not.toContain('"isError":false');
        expect(text, body.slice(0, 120)).not.toMatch(/GW_ERR_ALL_PROVIDERS_FAILED|GW_ERR_INTERNAL|-32603/);
      }
    }
  });

  it("refuses a huge message array on both doors before any provider call", async () => {
    const messages = Array.from({ length: 100_000 }, () => ({ role: "user", content: "" }));
    const response = await v1("/v1/chat/completions", JSON.stringify({ model: "gpt-4.1", messages }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { param: "messages" } });
    const viaMcp = await callTool(mcp, "chat_completion", {
      project_id: "proj-hostile",
      agent_id: "a",
      messages: messages.slice(0, 5_000),
    }).catch((error: unknown) => ({ isError: true, text: String(error) }));
    expect(viaMcp.isError).toBe(true);
    expect(viaMcp.text).toContain("messages");
  });

  it("handles invalid UTF-8 and lone surrogates without a server error", async () => {
    const invalid = Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80, 0xf0, 0x28, 0x8c, 0x28]);
    const wrap = (prefix: string, suffix: string) =>
      Buffer.concat([Buffer.from(prefix), invalid, Buffer.from(suffix)]);
    const requests: Array<Promise<Response>> = [
      v1(
        "/v1/chat/completions",
        wrap('{"model":"gpt-4.1","messages":[{"role":"user","content":"', '"}], "top_logprobs": 2}'),
      ),
      v1("/v1/chat/completions", wrap('{"model":"', '","messages":[{"role":"user","content":"hi"}]}')),
      v1("/v1/embeddings", wrap('{"model":"', '","input":"hi"}')),
      v1("/v1/chat/completions", wrap("", "")),
      rpc(wrap('{"jsonrpc":"2.0","id":1,"method":"', '"}')),
      rpc(
        wrap(
          '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"count_tokens","arguments":{"project_id":"proj-hostile","agent_id":"',
          '","text":"hi"}}}',
        ),
      ),
      v1(
        "/v1/chat/completions",
        '{"model":"gpt-4.1","messages":[{"role":"user","content":"\\ud800\\udfff\\ud800"}],"top_logprobs":2}',
      ),
    ];
    for (const response of await Promise.all(requests)) {
      expect(response.status).toBeLessThan(500);
    }
    // Lone surrogates in a valid request are counted and forwarded without failing.
    const counted = await callTool(mcp, "count_tokens", {
      project_id: "proj-hostile",
      agent_id: "a",
      text: "\ud800 and \udfff alone",
    });
    expect(counted.isError).toBe(false);
  });

  it("never echoes an unsafe x-request-id (CR/LF, over-long, non-token)", async () => {
    const paths = ["/health", "/v1/models", "/mcp"];
    for (const path of paths) {
      const method = path === "/mcp" ? "POST" : "GET";
      const ping = Buffer.from(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "ping" }));
      const head = (idLine: string) =>
        `${method} ${path} HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\n${idLine}\r\ncontent-type: application/json\r\naccept: application/json, text/event-stream\r\ncontent-length: ${method === "POST" ? ping.length : 0}\r\nconnection: close\r\n\r\n`;
      const body = method === "POST" ? ping : undefined;

      // A CRLF in the value is a header boundary: the injected line is only ever a request header.
      const split = await rawRequest(port, head("x-request-id: abc\r\nset-cookie: injected=1"), body);
      expect(headerOf(split, "set-cookie"), path).toEqual([]);
      // The gateway's own id answers as x-request-id; a safe client id is echoed beside it.
      expect(headerOf(split, "x-client-request-id"), path).toEqual(["abc"]);
      expect(headerOf(split, "x-request-id")[0], path).toMatch(/^[0-9a-f-]{36}$/);

      // A bare CR is not allowed in a header at all: Node refuses the request.
      const bareCr = await rawRequest(port, head("x-request-id: abc\rset-cookie: injected=1"), body);
      expect(bareCr.startsWith("HTTP/1.1 400"), path).toBe(true);
      expect(headerOf(bareCr, "set-cookie")).toEqual([]);

      for (const unsafe of [
        "x".repeat(10_000),
        "<script>alert(1)</script>",
        "a b",
        "caf\u00e9",
        "a,b",
        "%0d%0aset-cookie",
      ]) {
        const response = await rawRequest(port, head(`x-request-id: ${unsafe}`), body);
        const echoed = headerOf(response, "x-request-id");
        expect(echoed, `${path} ${unsafe.slice(0, 20)}`).toHaveLength(1);
        expect(echoed[0]).toMatch(safeRequestId);
        expect(echoed[0]).not.toBe(unsafe);
        expect(headerOf(response, "x-client-request-id")).toEqual([]);
      }
    }
    const logged = JSON.stringify(harness.logs);
    expect(logged).not.toContain("<script>");
    expect(logged).not.toContain("injected=1");
  });

  it("refuses project and agent ids outside [A-Za-z0-9._:-]{1,128} on both doors", async () => {
    const badIds = [
      "",
      "a b",
      "../../etc/passwd",
      "x".repeat(129),
      "{p:evil}",
      "proj\nb",
      "caf\u00e9",
      "*",
      "a/b",
    ];
    for (const bad of badIds) {
      for (const [tool, args] of [
        ["chat_completion", { messages: hello }],
        ["create_embeddings", { input: "hi" }],
        ["get_usage", {}],
      ] as const) {
        for (const ids of [
          { project_id: bad, agent_id: "a" },
          { project_id: "proj-hostile", agent_id: bad },
        ]) {
          const result = await callTool(mcp, tool, { ...ids, ...args }).catch((error: unknown) => ({
            isError: true,
            text: String(error),
          }));
          expect(result.isError, `${tool} ${JSON.stringify(ids)}`).toBe(true);
        }
      }
      const usage = await fetch(new URL(`/v1/usage?project_id=${encodeURIComponent(bad)}`, harness.url));
      expect(usage.status, JSON.stringify(bad)).toBe(400);
      // fetch cannot send a newline or a non-Latin-1 header, and an empty header is no header (the
      // default project without keys); the rest go over the wire as they are.
      if (bad === "" || /[\n\u0100-\uffff]/.test(bad)) continue;
      const sdk = openAiClient(harness, "unused", { "x-project-id": bad });
      const chat = await sdk.chat.completions
        .create({ model: "gpt-4.1", messages: hello })
        .catch((error: unknown) => error);
      expect(chat, JSON.stringify(bad)).toBeInstanceOf(OpenAI.BadRequestError);
      expect(chat).toMatchObject({ param: "x-project-id" });
      const agent = openAiClient(harness, "unused", { "x-project-id": "proj-hostile", "x-agent-id": bad });
      await expect(agent.embeddings.create({ model: "embedding", input: "hi" })).rejects.toMatchObject({
        status: 400,
        param: "x-agent-id",
      });
    }
  });
});
