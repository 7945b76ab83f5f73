import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const keyA = "sk-gw-request-ids-project-a-0001";
const keyAdmin = "sk-gw-request-ids-admin-0002";
const messages = [{ role: "user", content: "Hi" }];

function linesOf(harness: Harness, requestId: string | null): Array<Record<string, unknown>> {
  return harness.logs.filter((line) => line.requestId === requestId);
}

/** The request's log lines once written: pino and the 'close' event both trail the answer slightly. */
async function settledLinesOf(harness: Harness, requestId: string | null) {
  await expect.poll(() => linesOf(harness, requestId).length, { timeout: 2_000 }).toBeGreaterThan(0);
  await new Promise((resolve) => setTimeout(resolve, 50));
  return linesOf(harness, requestId);
}

describe("one id through the answer, the log line, the usage record and /v1/status", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_API_KEYS: `${keyA}=proj-ids,${keyAdmin}=*`,
        LLM_GATEWAY_BODY_LIMIT_BYTES: "4096",
      },
      configYaml: "rate_limits: { default_agent_rpm: 1 }\n",
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  function chat(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${keyA}`,
        "x-project-id": "proj-ids",
        ...headers,
      },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  it("x-request-id = the body's id suffix = the usage record's id = the log line's and the failover's requestId; the client's id is logged beside it", async () => {
    const { anthropic, openai } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(529, "Overloaded"));
    openai.enqueueChat(openai.replies.text("fallback answer"));
    const response = await chat(
      { model: "reasoning", messages },
      { "x-request-id": "client-trace-42", "x-agent-id": "agent-ids" },
    );
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id") as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get("x-client-request-id")).toBe("client-trace-42");
    expect(((await response.json()) as { id: string }).id).toBe(`chatcmpl-${requestId}`);

    const [line, ...more] = await settledLinesOf(harness, requestId);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      msg: "request finished",
      clientRequestId: "client-trace-42",
      status: 200,
      route: "/v1/chat/completions",
      provider: "openai",
    });

    const database = new Database(join(harness.dataDir, "usage.sqlite"), { readonly: true });
    try {
      const booked = database.prepare("SELECT request_id FROM usage_records WHERE project_id = ?");
      // Booking is committed off the request path, on its own thread: the row lands soon after the answer.
      await vi.waitFor(() => expect(booked.all("proj-ids")).toEqual([{ request_id: requestId }]));
    } finally {
      database.close();
    }

    const status = (await (
      await fetch(`${harness.url}/v1/status`, { headers: { authorization: `Bearer ${keyA}` } })
    ).json()) as { failovers: Array<{ requestId: string }> };
    expect(status.failovers[0]?.requestId).toBe(requestId);
  });

  it("MCP: a POST carrying one tools/call books and logs under that POST's x-request-id", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.text("hello over MCP"));
    const response = await fetch(`${harness.url}/mcp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        authorization: `Bearer ${keyA}`,
        "x-request-id": "mcp-client-trace-7",
      },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "chat_completion",
          arguments: { project_id: "proj-ids", agent_id: "agent-mcp", model: "gpt-4.1-mini", messages },
        },
      }),
    });
    expect(response.status).toBe(200);
    const requestId = response.headers.get("x-request-id") as string;
    const text = await response.text();
    expect(text).toContain(`"id":"chatcmpl-${requestId}"`);
    const [line, ...more] = await settledLinesOf(harness, requestId);
    expect(more).toEqual([]);
    expect(line).toMatchObject({
      msg: "request finished",
      door: "mcp",
      clientRequestId: "mcp-client-trace-7",
      status: 200,
      route: "/mcp",
    });
  });

  it("a client reusing its x-request-id still gets two bookings under two gateway ids", async () => {
    const { openai } = harness.fakes;
    const ids: string[] = [];
    for (const agent of ["agent-reuse-1", "agent-reuse-2"]) {
      openai.enqueueChat(openai.replies.text("same id, new request"));
      const response = await chat(
        { model: "gpt-4.1-mini", messages },
        { "x-request-id": "reused-id", "x-agent-id": agent },
      );
      expect(response.status).toBe(200);
      ids.push(response.headers.get("x-request-id") as string);
    }
    expect(new Set(ids).size).toBe(2);
    const usage = (await (
      await fetch(`${harness.url}/v1/usage?project_id=proj-ids&period=all`, {
        headers: { authorization: `Bearer ${keyA}` },
      })
    ).json()) as { by_agent: Record<string, { requests: number }> };
    expect(usage.by_agent["agent-reuse-1"]?.requests).toBe(1);
    expect(usage.by_agent["agent-reuse-2"]?.requests).toBe(1);
  });

  it("every refused request gets exactly one log line with its status and error code", async () => {
    const refusals: Array<{ response: Promise<Response>; status: number; errorCode: string }> = [
      {
        response: chat({ model: "reasoning", messages }, { authorization: "Bearer sk-wrong" }),
        status: 401,
        errorCode: "GW_ERR_UNAUTHORIZED",
      },
      {
        response: chat({ model: "reasoning", messages }, { "x-project-id": "proj-other" }),
        status: 403,
        errorCode: "GW_ERR_FORBIDDEN_PROJECT",
      },
      {
        response: chat({ model: "no-such-model", messages }, { "x-agent-id": "agent-404" }),
        status: 404,
        errorCode: "GW_ERR_UNKNOWN_MODEL",
      },
      {
        response: chat({ model: "reasoning", messages: "not a list" }),
        status: 400,
        errorCode: "GW_ERR_INVALID_REQUEST",
      },
      {
        response: chat({ model: "reasoning", messages: [{ role: "user", content: "x".repeat(8_000) }] }),
        status: 413,
        errorCode: "GW_ERR_INVALID_REQUEST",
      },
    ];
    for (const refusal of refusals) {
      const response = await refusal.response;
      expect(response.status).toBe(refusal.status);
      const lines = await settledLinesOf(harness, response.headers.get("x-request-id"));
      expect(lines, `${refusal.status}`).toHaveLength(1);
      expect(lines[0], `${refusal.status}`).toMatchObject({
        status: refusal.status,
        errorCode: refusal.errorCode,
      });
      expect(lines[0]?.err).toBeUndefined();
    }
  });

  it("a rate-limited request (429) is one line with status and code", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.text("first of the minute"));
    expect((await chat({ model: "gpt-4.1-mini", messages }, { "x-agent-id": "agent-rpm" })).status).toBe(200);
    const refused = await chat({ model: "gpt-4.1-mini", messages }, { "x-agent-id": "agent-rpm" });
    expect(refused.status).toBe(429);
    const lines = await settledLinesOf(harness, refused.headers.get("x-request-id"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 429, errorCode: "GW_ERR_RATE_LIMITED" });
  });

  it("every provider failed (502): one warn line, no stack trace; the latency histogram counts it", async () => {
    const { anthropic, openai, google } = harness.fakes;
    anthropic.enqueueChat(anthropic.replies.error(500, "internal error"));
    openai.enqueueChat(openai.replies.error(503, "The server is overloaded"));
    google.enqueueChat(google.replies.error(500, "Internal error encountered."));
    const response = await chat({ model: "reasoning", messages }, { "x-agent-id": "agent-502" });
    expect(response.status).toBe(502);
    const requestId = response.headers.get("x-request-id");
    const lines = await settledLinesOf(harness, requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, status: 502, errorCode: "GW_ERR_ALL_PROVIDERS_FAILED" });
    expect(lines[0]?.err).toBeUndefined();
    expect(harness.logs.filter((line) => line.level === 50 && line.msg !== undefined)).toEqual([]);

    const metrics = await (await fetch(`${harness.url}/metrics`)).text();
    expect(metrics).toMatch(
      /llm_gateway_request_duration_seconds_count\{door="openai",kind="chat",group="reasoning",provider="",model="",outcome="error"\} [1-9]/,
    );
  });
});
