import { afterAll, beforeAll, expect, it } from "vitest";
import { type RedisTestServer, startRedisTestServer } from "../../src/usage/redis-test-server.js";
import { describeWithRedis } from "../../src/usage/shared-test-redis.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";
import { apiKeysEnv, clientKeys } from "../security/security-fixtures.js";

/**
 * With Redis down, admin writes fail closed (503, nothing changed) and every
 * replica keeps serving the keys it last saw; once Redis is back, changes
 * flow again. Refusing every managed key during an outage would lock every
 * team out of a gateway whose providers still answer.
 */
describeWithRedis("managed keys through a Redis outage", () => {
  let redis: RedisTestServer;
  let harness: Harness;

  const admin = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${harness.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${clientKeys.admin}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    // biome-ignore lint/suspicious/noExplicitAny: a test reads the answers field by field
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };
  const modelsStatus = async (secret: string) =>
    (await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } })).status;

  beforeAll(async () => {
    redis = await startRedisTestServer({ appendOnly: true });
    harness = await startHarness({
      providers: ["openai"],
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv, LLM_GATEWAY_REDIS_URL: redis.url },
    });
  });
  afterAll(async () => {
    await harness?.close();
    await redis?.stop();
  });

  it("refuses admin writes with 503 while Redis is down, keeps admitting known keys, and catches up after", async () => {
    const created = await admin("POST", "/admin/keys", { name: "before-outage", projects: ["proj-a"] });
    expect(created.status).toBe(201);
    const secret = created.body.secret as string;
    registerTestSecrets("admin-outage", { "managed key before outage": secret });
    expect(await modelsStatus(secret)).toBe(200);

    await redis.kill();
    const refused = await admin("POST", "/admin/keys", { name: "during-outage", projects: ["proj-a"] });
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe("GW_ERR_STORE_UNAVAILABLE");
    const revoke = await admin("POST", `/admin/keys/${created.body.key.id}/revoke`);
    expect(revoke.status).toBe(503);
    // The last view stays in force: the key still works, listing still answers.
    expect(await modelsStatus(secret)).toBe(200);
    const listing = (await admin("GET", "/admin/keys")).body.data as Array<{ name: string; spend: unknown }>;
    // Its spend lives in Redis too: unknown (null) until Redis answers, never a made-up zero.
    expect(listing.find((key) => key.name === "before-outage")?.spend).toEqual({
      today_usd: null,
      month_usd: null,
    });
    expect(listing.map((key) => key.name)).toEqual(["before-outage", "env-key-1", "env-key-2", "env-key-3"]);

    // The live view's next poll (every 500 ms) meets the outage and says so once.
    await expect
      .poll(
        () => harness.logs.some((line) => String(line.msg).includes("governance settings store unreachable")),
        {
          timeout: 5_000,
        },
      )
      .toBe(true);
    await redis.restart();
    await expect
      .poll(async () => (await admin("POST", `/admin/keys/${created.body.key.id}/revoke`)).status, {
        timeout: 10_000,
        interval: 200,
      })
      .toBe(200);
    expect(await modelsStatus(secret)).toBe(401);
    const names = (await admin("GET", "/admin/keys?include_revoked=true")).body.data.map(
      (key: { name: string }) => key.name,
    );
    expect(names).not.toContain("during-outage");
  }, 30_000);
});
