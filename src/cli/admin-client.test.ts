import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../config/load-config.js";
import { AdminApiError, adminClientFrom, defaultGatewayUrl } from "./admin-client.js";

/** A real HTTP server answering each path as the admin API would answer a refusal. */
const answers: Record<string, [number, unknown]> = {
  "/ok/admin/keys": [200, { data: [] }],
  "/unauthorized/admin/keys": [
    401,
    { error: { message: "The client key is not valid.", code: "GW_ERR_UNAUTHORIZED" } },
  ],
  "/forbidden/admin/keys": [
    403,
    { error: { message: "Only an admin key may call /admin.", code: "GW_ERR_ADMIN_ONLY", param: null } },
  ],
  "/invalid/admin/keys": [
    400,
    {
      error: {
        message: "must be at least 0",
        code: "GW_ERR_INVALID_REQUEST",
        param: "budget.daily_usd",
      },
    },
  ],
  "/unknown/admin/keys": [404, { error: { message: 'No key "key_X".', code: "GW_ERR_UNKNOWN_KEY" } }],
  "/old/admin/keys": [404, { message: "Route GET:/old/admin/keys not found", statusCode: 404 }],
};

describe("the CLI's admin API client", () => {
  let server: Server;
  let base: string;
  const seen: IncomingMessage[] = [];
  const config = loadConfig({});
  const warnings: string[] = [];
  const client = (
    path: string,
    flags: Record<string, string> = {},
    env: NodeJS.ProcessEnv = { LLM_GATEWAY_ADMIN_KEY: "admin-0123456789" },
  ) =>
    adminClientFrom({ url: `${base}${path}`, ...flags }, config, {
      env,
      warn: (line) => warnings.push(line),
    });

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      seen.push(request);
      const [status, body] = answers[request.url ?? ""] ?? [500, "not json"];
      response.writeHead(status, { "content-type": "application/json" });
      response.end(typeof body === "string" ? body : JSON.stringify(body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it("sends the admin key as a bearer token and returns the answer", async () => {
    expect(await client("/ok").request("GET", "/admin/keys")).toEqual({ data: [] });
    expect(seen.at(-1)?.headers.authorization).toBe("Bearer admin-0123456789");
  });

  it("says what to do on each refusal", async () => {
    const failure = async (path: string) => {
      const error = await client(path)
        .request("GET", "/admin/keys")
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(AdminApiError);
      return (error as AdminApiError).message;
    };
    expect(await failure("/unauthorized")).toBe(
      'the gateway refused the admin key (401): The client key is not valid. Set LLM_GATEWAY_ADMIN_KEY to a client key with projects "*".',
    );
    expect(await failure("/forbidden")).toContain(
      'LLM_GATEWAY_ADMIN_KEY must be a client key with projects "*"',
    );
    expect(await failure("/invalid")).toBe("invalid --daily-usd (budget.daily_usd): must be at least 0");
    expect(await failure("/unknown")).toBe('No key "key_X".');
    expect(await failure("/old")).toContain("has no admin API (404)");
    expect(await failure("/other")).toBe("the gateway answered 500: not json");
  });

  it("names the address it could not reach", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const unreachable = adminClientFrom({ url: `http://127.0.0.1:${port}` }, config, {
      env: { LLM_GATEWAY_ADMIN_KEY: "k" },
      warn: () => {},
    });
    await expect(unreachable.request("GET", "/admin/keys")).rejects.toThrow(
      `cannot reach the gateway at http://127.0.0.1:${port} (ECONNREFUSED): is it running?`,
    );
  });

  it("needs an admin key, and warns that --admin-key shows in the process list", () => {
    expect(() => client("/ok", {}, {})).toThrow(/no admin key: set LLM_GATEWAY_ADMIN_KEY/);
    warnings.length = 0;
    client("/ok", { "admin-key": "from-flag" }, {});
    expect(warnings).toEqual([expect.stringContaining("--admin-key is visible to every user")]);
    expect(() => client("", { url: "127.0.0.1:8001" })).toThrow("--url must be an http(s) URL");
  });

  it("defaults to where this machine's gateway listens, a wildcard bind reached on loopback", () => {
    expect(defaultGatewayUrl({ host: "127.0.0.1", port: 8001 })).toBe("http://127.0.0.1:8001");
    expect(defaultGatewayUrl({ host: "0.0.0.0", port: 9000 })).toBe("http://127.0.0.1:9000");
    expect(defaultGatewayUrl({ host: "::", port: 9000 })).toBe("http://[::1]:9000");
    expect(defaultGatewayUrl({ host: "::1", port: 9000 })).toBe("http://[::1]:9000");
    expect(defaultGatewayUrl({ host: "gateway.internal", port: 80 })).toBe("http://gateway.internal:80");
  });
});
