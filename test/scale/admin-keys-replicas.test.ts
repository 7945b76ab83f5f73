import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";
import { startRedisTestCluster } from "../../src/usage/redis-test-server.js";
import { noRedisServer, sharedRedisUrl } from "../../src/usage/shared-test-redis.js";
import { type GatewayProcess, spawnGateway } from "../helpers/spawn-gateway.js";
import { registerTestSecrets } from "../helpers/test-log-files.js";

const adminKey = "ck-replicas-admin-5b7e2c9a1d3f";
const hello = [{ role: "user", content: "Say hello" }];
/** The bound: a change on one replica holds on every other within one second. */
const propagationBoundMs = 1_000;

const hasRedisCli = (() => {
  try {
    execFileSync("redis-cli", ["--version"]);
    return true;
  } catch {
    return false;
  }
})();

async function adminCall(url: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminKey}`, ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  expect(response.status).toBeLessThan(300);
  return (await response.json()) as { key: { id: string }; secret: string };
}

async function chatStatus(url: string, secret: string): Promise<number> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1-mini", messages: hello, max_tokens: 8 }),
  });
  await response.arrayBuffer();
  return response.status;
}

/** Asks every replica (a cheap authenticated GET) until each answers `status`; the ms each took from `since`. */
async function msUntilEvery(
  urls: string[],
  secret: string,
  status: number,
  since: number,
): Promise<number[]> {
  return Promise.all(
    urls.map(async (url) => {
      for (;;) {
        const response = await fetch(`${url}/v1/models`, { headers: { authorization: `Bearer ${secret}` } });
        await response.arrayBuffer();
        const elapsed = performance.now() - since;
        if (response.status === status) return Math.round(elapsed);
        if (elapsed > 5_000) throw new Error(`${url} still answered ${response.status} after 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }),
  );
}

/**
 * One key created, rotated and revoked on replica 1 while replicas 2 and 3 are asked in a tight
 * loop: each change must hold on them within a second (pub/sub makes it milliseconds; the 500 ms
 * version poll is the bound when a message is lost).
 */
function runReplicaScenario(label: string, start: () => Promise<{ replicas: GatewayProcess[] }>) {
  let replicas: GatewayProcess[];
  const secrets: string[] = [];
  const remember = (secret: string) => {
    secrets.push(secret);
    registerTestSecrets("replicas", { [`managed key ${label} ${secrets.length}`]: secret });
  };

  beforeAll(async () => {
    ({ replicas } = await start());
  }, 60_000);

  it("a key created on replica 1 works on 2 and 3; rotated and revoked there, it is refused on 2 and 3 within 1 s", async () => {
    const [first, ...others] = replicas.map((replica) => replica.url) as [string, ...string[]];
    const created = await adminCall(first, "POST", "/admin/keys", {
      name: `replicated-${label}`,
      projects: ["proj-a"],
    });
    remember(created.secret);
    const admitted = await msUntilEvery(others, created.secret, 200, performance.now());
    for (const url of others) expect(await chatStatus(url, created.secret)).toBe(200);

    const rotating = performance.now();
    const rotated = await adminCall(first, "POST", `/admin/keys/${created.key.id}/rotate`);
    remember(rotated.secret);
    const oldRefused = await msUntilEvery(others, created.secret, 401, rotating);
    await msUntilEvery(others, rotated.secret, 200, rotating);

    const revoking = performance.now();
    await adminCall(first, "POST", `/admin/keys/${created.key.id}/revoke`);
    const answeredMs = Math.round(performance.now() - revoking);
    const refused = await msUntilEvery(others, rotated.secret, 401, revoking);
    console.log(
      `[${label}] created -> admitted on the other replicas after ${admitted.join(", ")} ms; rotated -> old secret refused after ${oldRefused.join(", ")} ms; ` +
        `revoke answered in ${answeredMs} ms -> refused on the other replicas after ${refused.join(", ")} ms (from sending the revoke)`,
    );
    for (const ms of [...oldRefused, ...refused]) expect(ms).toBeLessThan(propagationBoundMs);
    for (const url of replicas.map((replica) => replica.url))
      expect(await chatStatus(url, rotated.secret)).toBe(401);
  });

  it("a project limit set on replica 1 is listed by replicas 2 and 3", async () => {
    const [first, ...others] = replicas.map((replica) => replica.url) as [string, ...string[]];
    await adminCall(first, "PUT", "/admin/budgets/projects/proj-z", { daily_usd: 3, tokens_per_minute: 500 });
    for (const url of others) {
      await expect
        .poll(
          async () => {
            const response = await fetch(`${url}/admin/budgets?project=proj-z`, {
              headers: { authorization: `Bearer ${adminKey}` },
            });
            return ((await response.json()) as { data: unknown[] }).data;
          },
          { timeout: propagationBoundMs, interval: 20 },
        )
        .toMatchObject([
          { project_id: "proj-z", budget: { daily_usd: 3 }, limits: { tokens_per_minute: 500 } },
        ]);
    }
  });

  it("never logged a managed secret", () => {
    const text = replicas.flatMap((replica) => replica.logs.map((line) => JSON.stringify(line))).join("\n");
    expect(secrets.length).toBe(2);
    for (const secret of secrets) expect(text).not.toContain(secret);
  });
}

function replicaEnv(
  dataDir: string,
  openai: FakeProvider,
  extra: Record<string, string>,
): Record<string, string> {
  return {
    LLM_GATEWAY_DATA_DIR: dataDir,
    LLM_GATEWAY_API_KEYS: `${adminKey}=*`,
    OPENAI_API_KEY: "sk-openai-replicas",
    OPENAI_BASE_URL: openai.baseUrl,
    ...extra,
  };
}

describe.skipIf(noRedisServer)("3 replicas on one Redis: managed keys", () => {
  let openai: FakeProvider;
  const replicas: GatewayProcess[] = [];
  const dataDirs: string[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await openai?.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  runReplicaScenario("redis", async () => {
    openai = await createFakeOpenAi();
    const prefix = `llmgw-admin-replicas-${process.pid}-${Date.now()}:`;
    for (let index = 0; index < 3; index += 1) {
      const dataDir = mkdtempSync(join(tmpdir(), "llmgw-admin-replica-"));
      dataDirs.push(dataDir);
      replicas.push(
        await spawnGateway(
          replicaEnv(dataDir, openai, {
            LLM_GATEWAY_REDIS_URL: sharedRedisUrl,
            LLM_GATEWAY_REDIS_KEY_PREFIX: prefix,
          }),
        ),
      );
    }
    return { replicas };
  });
});

describe.skipIf(noRedisServer || !hasRedisCli)("3 replicas on a 3-master Redis Cluster: managed keys", () => {
  let openai: FakeProvider;
  let cluster: Awaited<ReturnType<typeof startRedisTestCluster>> | undefined;
  const replicas: GatewayProcess[] = [];
  const dataDirs: string[] = [];
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await openai?.close();
    await cluster?.stop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  runReplicaScenario("redis-cluster", async () => {
    openai = await createFakeOpenAi();
    cluster = await startRedisTestCluster(3);
    const seeds = cluster.servers.map((server) => server.url).join(",");
    for (let index = 0; index < 3; index += 1) {
      const dataDir = mkdtempSync(join(tmpdir(), "llmgw-admin-cluster-replica-"));
      dataDirs.push(dataDir);
      replicas.push(
        await spawnGateway(
          replicaEnv(dataDir, openai, {
            LLM_GATEWAY_REDIS_URL: seeds,
            LLM_GATEWAY_REDIS_KEY_PREFIX: `llmgw-admin-cluster-${process.pid}:`,
          }),
        ),
      );
    }
    return { replicas };
  });
});

describe("2 processes sharing one SQLite data dir: managed keys", () => {
  let openai: FakeProvider;
  const replicas: GatewayProcess[] = [];
  let dataDir: string;
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await openai?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  runReplicaScenario("sqlite", async () => {
    openai = await createFakeOpenAi();
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-admin-sqlite-"));
    // One after the other: the first creates the files.
    replicas.push(await spawnGateway(replicaEnv(dataDir, openai, {})));
    replicas.push(await spawnGateway(replicaEnv(dataDir, openai, {})));
    return { replicas };
  });
});
