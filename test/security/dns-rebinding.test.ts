import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { apiKeysEnv, clientKeys, upstreamCalls } from "./security-fixtures.js";

/**
 * DNS rebinding: a web page on attacker.example re-resolves its own name to
 * 127.0.0.1, and the browser then sends same-origin requests to the gateway
 * with `Host: attacker.example:<port>`. Without client keys, the Host check
 * is all that keeps such a page from spending on the user's provider
 * accounts, on every route, not only /mcp (test/mcp/mcp-bad-input.test.ts).
 */
function send(
  url: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      new URL(path, url),
      { method: body === undefined ? "GET" : "POST", headers },
      (response) => {
        let text = "";
        response.on("data", (chunk) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body: text }));
      },
    );
    outgoing.on("error", reject);
    outgoing.end(body);
  });
}

const chat = JSON.stringify({ model: "gpt-4.1-mini", messages: [{ role: "user", content: "hi" }] });
const json = { "content-type": "application/json", accept: "application/json, text/event-stream" };

describe("DNS rebinding against a loopback gateway", () => {
  describe("without client keys", () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ providers: ["openai"] });
    });
    afterAll(async () => harness.close());

    it("refuses a foreign Host on /v1 and /health before anything runs", async () => {
      const port = new URL(harness.url).port;
      const rebound = {
        ...json,
        host: `attacker.example:${port}`,
        origin: `http://attacker.example:${port}`,
      };
      const spend = await send(harness.url, "/v1/chat/completions", rebound, chat);
      expect(spend.status).toBe(403);
      expect(JSON.parse(spend.body)).toMatchObject({
        error: {
          code: "GW_ERR_FORBIDDEN_HOST",
          message: expect.stringMatching(/^Invalid Host: attacker\.example: /),
        },
      });
      // /mcp answers the same refusal in JSON-RPC, in the SDK's words.
      expect(
        JSON.parse(
          (await send(harness.url, "/mcp", rebound, '{"jsonrpc":"2.0","id":1,"method":"ping"}')).body,
        ),
      ).toMatchObject({ error: { code: -32000, message: "Invalid Host: attacker.example" } });
      expect((await send(harness.url, "/v1/usage?project_id=default", rebound)).status).toBe(403);
      expect((await send(harness.url, "/v1/models", rebound)).status).toBe(403);
      expect((await send(harness.url, "/health", rebound)).status).toBe(403);
      expect(
        (await send(harness.url, "/mcp", rebound, '{"jsonrpc":"2.0","id":1,"method":"ping"}')).status,
      ).toBe(403);
      for (const host of ["localhost.attacker.example", "127.0.0.1.nip.io"]) {
        const lookalike = await send(
          harness.url,
          "/v1/chat/completions",
          { ...json, host: `${host}:${port}` },
          chat,
        );
        expect(lookalike.status, host).toBe(403);
      }
      expect(upstreamCalls(harness)).toBe(0);
    });

    it("serves the loopback names it is bound to", async () => {
      const port = new URL(harness.url).port;
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, "localhost"]) {
        const response = await send(harness.url, "/v1/chat/completions", { ...json, host }, chat);
        expect(response.status, host).toBe(200);
      }
    });
  });

  describe("with client keys", () => {
    let harness: Harness;
    beforeAll(async () => {
      harness = await startHarness({ providers: ["openai"], env: { LLM_GATEWAY_API_KEYS: apiKeysEnv } });
    });
    afterAll(async () => harness.close());

    it("leaves /v1 to the key check: a rebinding page cannot know the key", async () => {
      const port = new URL(harness.url).port;
      const rebound = { ...json, host: `attacker.example:${port}` };
      expect((await send(harness.url, "/v1/chat/completions", rebound, chat)).status).toBe(401);
      const withKey = { ...rebound, authorization: `Bearer ${clientKeys.projectA}` };
      expect((await send(harness.url, "/v1/chat/completions", withKey, chat)).status).toBe(200);
    });
  });
});
