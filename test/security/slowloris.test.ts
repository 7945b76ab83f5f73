import { request as httpRequest } from "node:http";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { openRawSocket, postHead, type RawSocket } from "../helpers/raw-sockets.js";
import { apiKeysEnv, clientKeys, hello, upstreamCalls } from "./security-fixtures.js";

// A one-project key: its requests need no x-project-id header.
const bearer = { authorization: `Bearer ${clientKeys.projectA}` };

/** One request on a connection of its own (no pool), closed after the answer. */
function requestOnNewConnection(
  url: string,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      new URL(path, url),
      {
        method: options.method ?? "GET",
        agent: false,
        headers: { connection: "close", "content-type": "application/json", ...options.headers },
      },
      (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          body += chunk;
        });
        response.on("end", () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body }),
        );
      },
    );
    request.on("error", reject);
    request.end(options.body);
  });
}

/** Resolves once the gateway holds exactly `count` client connections (accept runs after the client's connect). */
async function connectionsReach(harness: Harness, count: number): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    const open = await new Promise<number>((resolve, reject) =>
      harness.app.server.getConnections((error, value) => (error ? reject(error) : resolve(value))),
    );
    if (open === count) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`the gateway never held ${count} connections`);
}

function withinMs<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_resolve, reject) =>
      setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms),
    ),
  ]);
}

describe("slowloris: receiving a request is bounded in time", () => {
  let harness: Harness;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: {
        LLM_GATEWAY_API_KEYS: apiKeysEnv,
        LLM_GATEWAY_HEADERS_TIMEOUT_SECONDS: "1",
        LLM_GATEWAY_BODY_TIMEOUT_SECONDS: "2",
      },
    });
  });
  afterAll(async () => {
    for (const raw of sockets) raw.socket.destroy();
    await harness.close();
  });

  it("closes 200 sockets trickling a body and 50 trickling headers after their timeouts; /health answers throughout", async () => {
    const bodies = await Promise.all(
      Array.from({ length: 200 }, () =>
        openRawSocket(harness.url, postHead("/v1/chat/completions", 10_000, bearer)),
      ),
    );
    const heads = await Promise.all(
      Array.from({ length: 50 }, () => openRawSocket(harness.url, "POST /v1/chat/completions HTTP/1.1\r\n")),
    );
    sockets.push(...bodies, ...heads);
    for (const raw of bodies) raw.trickle(" ".repeat(10_000), 100);
    for (const raw of heads) raw.trickle("x-padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 100);

    const health = await requestOnNewConnection(harness.url, "/health");
    expect(health.status).toBe(200);

    const headClosures = await withinMs(
      Promise.all(heads.map((raw) => raw.closed)),
      5_000,
      "header trickles",
    );
    const bodyClosures = await withinMs(Promise.all(bodies.map((raw) => raw.closed)), 8_000, "body trickles");
    // The timeouts count from each request's first byte; Node checks them every 100 ms here.
    for (const ms of headClosures) expect(ms).toBeGreaterThanOrEqual(900);
    for (const ms of bodyClosures) expect(ms).toBeGreaterThanOrEqual(1_900);
    expect(Math.max(...headClosures)).toBeLessThan(4_000);
    expect(Math.max(...bodyClosures)).toBeLessThan(6_000);
    for (const raw of [...bodies, ...heads]) expect(raw.received()).toMatch(/^HTTP\/1\.1 408 /);
    expect(upstreamCalls(harness)).toBe(0);
    // A cut-off client is no gateway error: 200 of them must not flood the log.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
  });

  it("does not limit a response: a stream slower than the body timeout runs to its end", async () => {
    const { openai } = harness.fakes;
    openai.enqueueChat(openai.replies.stream(["one ", "two ", "three"], { chunkDelayMs: 700 }));
    const started = performance.now();
    const answer = await requestOnNewConnection(harness.url, "/v1/chat/completions", {
      method: "POST",
      headers: bearer,
      body: JSON.stringify({ model: "gpt-4.1-mini", messages: hello, stream: true }),
    });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain("three");
    expect(answer.body).toContain("data: [DONE]");
    expect(performance.now() - started).toBeGreaterThan(2_000);
  });
});

describe("refusals close their connection", () => {
  let keyed: Harness;
  let keyless: Harness;
  const sockets: RawSocket[] = [];
  beforeAll(async () => {
    // Default timeouts (10 s, 60 s): a close within a second is the refusal's doing.
    keyed = await startHarness({ providers: ["openai"], env: { LLM_GATEWAY_API_KEYS: apiKeysEnv } });
    keyless = await startHarness({ providers: ["openai"] });
  });
  afterAll(async () => {
    for (const raw of sockets) raw.socket.destroy();
    await Promise.all([keyed.close(), keyless.close()]);
  });

  const halfSent = async (harness: Harness, path: string, headers: Record<string, string> = {}) => {
    const raw = await openRawSocket(
      harness.url,
      `${postHead(path, 100_000, headers)}{"model":"gpt-4.1-mini",`,
    );
    sockets.push(raw);
    raw.trickle(" ".repeat(1_000), 200);
    return raw;
  };

  it("answers an unauthenticated half-sent body 401 and closes its socket at once, on /v1 and /mcp", async () => {
    for (const path of ["/v1/chat/completions", "/mcp", "/v1/no-such-route"]) {
      const raw = await halfSent(keyed, path, { accept: "application/json, text/event-stream" });
      const ms = await withinMs(raw.closed, 1_500, path);
      expect(ms, path).toBeLessThan(1_500);
      expect(raw.received(), path).toMatch(/^HTTP\/1\.1 401 /);
      expect(raw.received().toLowerCase(), path).toContain("connection: close");
    }
  });

  it("closes after a 403 too: a foreign Host on /v1 and a foreign Origin on /mcp, without keys", async () => {
    const foreignHost = await halfSent(keyless, "/v1/chat/completions", { host: "evil.example" });
    await withinMs(foreignHost.closed, 1_500, "foreign Host");
    expect(foreignHost.received()).toMatch(/^HTTP\/1\.1 403 /);
    const foreignOrigin = await halfSent(keyless, "/mcp", {
      origin: "http://evil.example",
      accept: "application/json, text/event-stream",
    });
    await withinMs(foreignOrigin.closed, 1_500, "foreign Origin");
    expect(foreignOrigin.received()).toMatch(/^HTTP\/1\.1 403 /);
  });

  it("keeps an authenticated client's connection alive between requests", async () => {
    const get = `GET /v1/models HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${bearer.authorization}\r\n\r\n`;
    const raw = await openRawSocket(keyed.url, get);
    sockets.push(raw);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(raw.received()).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw.received().toLowerCase()).not.toContain("connection: close");
    raw.socket.write(get);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(raw.received().match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(raw.isOpen()).toBe(true);
  });
});

describe("the connection bound (LLM_GATEWAY_MAX_CONNECTIONS=20)", () => {
  let harness: Harness;
  let sockets: RawSocket[] = [];
  beforeAll(async () => {
    harness = await startHarness({
      providers: ["openai"],
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv, LLM_GATEWAY_MAX_CONNECTIONS: "20" },
    });
  });
  afterEach(async () => {
    for (const raw of sockets) raw.socket.destroy();
    sockets = [];
    await connectionsReach(harness, 0);
  });
  afterAll(async () => harness.close());

  const fill = async (open: () => Promise<RawSocket>) => {
    for (let index = 0; index < 20; index++) sockets.push(await open());
    await connectionsReach(harness, 20);
  };

  it("admits a new client in place of the oldest connection that sent no complete request", async () => {
    await fill(() => openRawSocket(harness.url, "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"));
    // Past the grace a just-accepted connection gets (guard-connections.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 300));
    const models = await requestOnNewConnection(harness.url, "/v1/models", { headers: bearer });
    expect(models.status).toBe(200);
    await withinMs(sockets[0]?.closed as Promise<number>, 1_000, "the oldest idle socket");
    expect(sockets.filter((raw) => raw.isOpen())).toHaveLength(19);
    expect(harness.logs.some((line) => line.msg?.toString().startsWith("connection limit reached"))).toBe(
      true,
    );
  });

  it("then the oldest request still arriving: a key holder's slow body cannot hold the bound either", async () => {
    await fill(async () => {
      const raw = await openRawSocket(harness.url, postHead("/v1/chat/completions", 10_000, bearer));
      raw.trickle(" ".repeat(10_000), 200);
      return raw;
    });
    // Wait until the gateway has every request's headers, so no connection is idle any more.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const health = await requestOnNewConnection(harness.url, "/health");
    expect(health.status).toBe(200);
    await withinMs(sockets[0]?.closed as Promise<number>, 1_000, "the oldest slow body");
    expect(sockets.filter((raw) => raw.isOpen())).toHaveLength(19);
  });

  it("refuses a new connection while every open one is being answered, and admits again after", async () => {
    const { openai } = harness.fakes;
    for (let index = 0; index < 20; index++) {
      openai.enqueueChat({ ...openai.replies.text("slow"), delayMs: 1_500 } as ReturnType<
        typeof openai.replies.text
      >);
    }
    const callsBefore = openai.chatCalls().length;
    const answers = Array.from({ length: 20 }, () =>
      requestOnNewConnection(harness.url, "/v1/chat/completions", {
        method: "POST",
        headers: bearer,
        body: JSON.stringify({ model: "gpt-4.1-mini", messages: hello }),
      }),
    );
    while (openai.chatCalls().length < callsBefore + 20)
      await new Promise((resolve) => setTimeout(resolve, 20));
    const newcomer = await openRawSocket(harness.url, "GET /health HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n");
    sockets.push(newcomer);
    await withinMs(newcomer.closed, 1_000, "the refused newcomer");
    expect(newcomer.received()).toBe("");
    for (const answer of await Promise.all(answers)) expect(answer.status).toBe(200);
    const health = await requestOnNewConnection(harness.url, "/health");
    expect(health.status).toBe(200);
  });
});
