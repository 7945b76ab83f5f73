import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import Fastify from "fastify";
import { pino } from "pino";
import { Counter, Histogram, Registry } from "prom-client";
import { Pool } from "undici";
import { openAiChatRequestBody } from "../src/http/openai/openai-request-schemas.js";
import { clientKey } from "./bench-requests.js";

/*
 * The stack floor: the floor proxy rebuilt on the stack the project prescribes, doing per request
 * only what the design asks of every gateway call and nothing of ours: Fastify parses and answers,
 * the caller's key is looked up, zod validates the body (the gateway's own schema), undici asks
 * the provider (unstreamed, as the floor does), the answer's usage is read, pino writes the
 * request's line, prom-client counts it, and better-sqlite3 books it (a transaction a tick, WAL).
 * What separates the floor from this is the stack's price; what separates this from the gateway is
 * the gateway's own code. Not a product: no failover, no streaming, no limits.
 */
const [upstream, logPath] = process.argv.slice(2);
if (!upstream || !logPath) throw new Error("usage: stack-floor-proxy <upstream origin> <log file>");
const pool = new Pool(upstream, { connections: 256, pipelining: 1 });
const keys = new Map([[clientKey, "bench"]]);
const logger = pino({ base: undefined }, pino.destination({ dest: logPath, sync: false }));
const registry = new Registry();
const requests = new Counter({
  name: "requests_total",
  help: "requests",
  labelNames: ["door", "provider", "model", "outcome"],
  registers: [registry],
});
const duration = new Histogram({
  name: "request_duration_seconds",
  help: "latency",
  labelNames: ["door", "provider", "model", "outcome"],
  registers: [registry],
});
const dataDir = mkdtempSync(join(tmpdir(), "stack-floor-"));
const db = new Database(join(dataDir, "usage.sqlite"));
db.pragma("journal_mode = WAL");
db.pragma("synchronous = NORMAL");
db.exec(
  "CREATE TABLE usage (id INTEGER PRIMARY KEY, project TEXT, model TEXT, input INTEGER, output INTEGER, time_ms INTEGER)",
);
const insert = db.prepare(
  "INSERT INTO usage (project, model, input, output, time_ms) VALUES (?, ?, ?, ?, ?)",
);
type Booking = [string, string, number, number, number];
const pending: Booking[] = [];
const bookAll = db.transaction((bookings: Booking[]) => {
  for (const booking of bookings) insert.run(...booking);
});
function book(booking: Booking): void {
  if (pending.length === 0) setImmediate(() => bookAll(pending.splice(0)));
  pending.push(booking);
}

interface UpstreamAnswer {
  model: string;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

const app = Fastify({ bodyLimit: 4 * 1024 * 1024 });
app.post("/v1/chat/completions", async (request, reply) => {
  const started = performance.now();
  const project = keys.get(request.headers.authorization?.slice("Bearer ".length) ?? "");
  if (!project) return reply.code(401).send({ error: { message: "unknown key" } });
  const parsed = openAiChatRequestBody.whole.safeParse(request.body);
  if (!parsed.success) return reply.code(400).send({ error: { message: parsed.error.issues[0]?.message } });
  const answer = await pool.request({
    method: "POST",
    path: "/v1/chat/completions",
    headers: { "content-type": "application/json", authorization: "Bearer sk-stack-floor" },
    body: JSON.stringify(parsed.data),
  });
  const body = (await answer.body.json()) as UpstreamAnswer;
  const input = body.usage?.prompt_tokens ?? 0;
  const output = body.usage?.completion_tokens ?? 0;
  book([project, body.model, input, output, Date.now()]);
  const labels = { door: "v1", provider: "openai", model: body.model, outcome: "success" };
  requests.inc(labels);
  duration.observe(labels, (performance.now() - started) / 1000);
  logger.info({ project, model: body.model, input, output, ms: performance.now() - started }, "request");
  return reply.code(answer.statusCode).send(body);
});
await app.listen({ port: 0, host: "127.0.0.1" });
process.send?.({ port: (app.server.address() as AddressInfo).port });
// The bench stops it with SIGTERM; a bench that died leaves it disconnected.
const stop = () => {
  db.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("disconnect", stop);
