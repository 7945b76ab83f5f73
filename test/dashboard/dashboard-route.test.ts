import Fastify from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDashboardAssets } from "../../src/dashboard/dashboard-assets.js";
import { registerDashboardRoute } from "../../src/http/routes/dashboard-route.js";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const adminKey = "admin-key-0123456789abcdef";
const teamKey = "team-key-0123456789abcdef";

describe("GET /dashboard and GET /v1/projects", () => {
  let harness: Harness;
  const get = (url: string, key?: string) =>
    harness.app.inject({ method: "GET", url, headers: key ? { authorization: `Bearer ${key}` } : {} });

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_API_KEYS: `${adminKey}=*,${teamKey}=team-b|team-a|team-unused` },
    });
    for (const project of ["team-a", "zeta-other", "team-b"]) {
      const response = await fetch(`${harness.url}/v1/chat/completions`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${adminKey}`,
          "x-project-id": project,
        },
        body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(response.status).toBe(200);
    }
  });
  afterAll(async () => harness.close());

  it("redirects /dashboard to /dashboard/ relatively, keeping the query", async () => {
    const plain = await get("/dashboard");
    expect(plain.statusCode).toBe(302);
    expect(plain.headers.location).toBe("dashboard/");
    expect((await get("/dashboard?project=team-a&period=week")).headers.location).toBe(
      "dashboard/?project=team-a&period=week",
    );
  });

  it("serves the page and its scripts without a key, under a CSP that allows only this origin", async () => {
    const page = await get("/dashboard/");
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain('<script type="module" src="dashboard.js"></script>');
    expect(page.headers["content-security-policy"]).toContain("default-src 'none'");
    expect(page.headers["content-security-policy"]).toContain("connect-src 'self'");
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    // Every script, stylesheet and icon the page names is served (the browser test checks nothing else is fetched).
    // Links within the page (`#keys`) fetch nothing.
    const linked = [...page.body.matchAll(/(?:src|href)="([^"#][^"]*)"/g)].map((match) => match[1] as string);
    expect(linked.sort()).toEqual(["dashboard.css", "dashboard.js", "favicon.svg"]);
    for (const name of linked) expect((await get(`/dashboard/${name}`)).statusCode, name).toBe(200);
    const script = await get("/dashboard/dashboard.js");
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    for (const module of script.body.matchAll(/from "\.\/([^"]+)"/g)) {
      expect((await get(`/dashboard/${module[1]}`)).statusCode, module[1]).toBe(200);
    }
  });

  it("builds the page from text, never from markup: key names, projects and errors cannot inject", async () => {
    const scripts = [...loadDashboardAssets().entries()].filter(([name]) => name.endsWith(".js"));
    expect(scripts.map(([name]) => name)).toEqual(
      expect.arrayContaining(["keys-view.js", "budgets-view.js"]),
    );
    for (const [name, asset] of scripts) {
      expect(asset.body.toString("utf8"), name).not.toMatch(
        /innerHTML|outerHTML|insertAdjacentHTML|document\.write/,
      );
    }
  });

  it("answers 404 for anything that is not one of the page's files", async () => {
    for (const url of [
      "/dashboard/tsconfig.json",
      "/dashboard/nope.js",
      "/dashboard/%2e%2e%2fpackage.json",
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(404);
      expect(response.body).not.toContain("llm-gateway");
    }
  });

  it("lists projects only to a client key: all with usage for `*`, its own (booked or not) for a project key", async () => {
    const anonymous = await get("/v1/projects");
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.message).toContain("client key is required");
    expect((await get("/v1/projects", adminKey)).json()).toEqual({
      projects: ["team-a", "team-b", "zeta-other"],
    });
    expect((await get("/v1/projects", teamKey)).json()).toEqual({
      projects: ["team-a", "team-b", "team-unused"],
    });
    expect((await get("/v1/projects", "not-a-key-0123456789")).statusCode).toBe(401);
  });

  it("answers 503 with the reason, and keeps the gateway up, when the page's files are missing", async () => {
    const app = Fastify();
    registerDashboardRoute(app, () => {
      throw new Error("no dashboard page in /somewhere: run `npm run build`");
    });
    const response = await app.inject({ method: "GET", url: "/dashboard/" });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain("run `npm run build`");
    await app.close();
  });
});

describe("GET /v1/projects without client keys", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(async () => harness.close());

  it("lists every project with usage, including one booked an instant ago", async () => {
    expect((await harness.app.inject({ method: "GET", url: "/v1/projects" })).json()).toEqual({
      projects: [],
    });
    await fetch(`${harness.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "just-now" },
      body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "Hi" }] }),
    });
    expect((await harness.app.inject({ method: "GET", url: "/v1/projects" })).json()).toEqual({
      projects: ["just-now"],
    });
  });
});

describeWithRedis("GET /v1/projects while Redis is down", () => {
  let redis: RedisTestServer;
  let harness: Harness;
  beforeAll(async () => {
    redis = await startRedisTestServer();
    harness = await startHarness({
      env: { LLM_GATEWAY_REDIS_URL: redis.url, LLM_GATEWAY_REDIS_KEY_PREFIX: "projects-route-test:" },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await redis?.stop();
  });

  it("answers 503 with retry-after, in OpenAI's error envelope, instead of an internal error", async () => {
    expect((await harness.app.inject({ method: "GET", url: "/v1/projects" })).statusCode).toBe(200);
    await redis.kill();
    const response = await harness.app.inject({ method: "GET", url: "/v1/projects" });
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("5");
    expect(response.json().error.message).toContain("usage store is unreachable");
  });
});
