import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnGateway } from "./bench-processes.js";
import { percentile } from "./bench-table.js";

/*
 * npx tsx bench/slowloris.ts [--sockets 1500] [--seconds 30] [--fd-limit N] [--root DIR]
 *
 * A slowloris attack from 127.0.0.1 on `node <root>/dist/main.js` (default: this checkout; build it
 * first): `--sockets` connections, a third trickling request headers, a third an unauthenticated
 * body, a third a body with a valid client key, each one byte every 5 s. A socket the gateway
 * closes is reopened a second later, so the pressure stays. Meanwhile a new client asks for
 * GET /health every 100 ms: its worst latency and its failures are what the attack costs everyone
 * else. `--fd-limit` runs the gateway under `ulimit -n`, as on a small server; `--root` pointing at
 * another built checkout measures that one (before and after a change).
 */

interface Options {
  sockets: number;
  seconds: number;
  fdLimit?: number;
  root: string;
  byteEveryMs: number;
}

type AttackKind = "headers" | "unauthenticated body" | "authenticated body";

const clientKey = "bench-slowloris-key-0123456789";
const probeTimeoutMs = 10_000;

function parseOptions(argv: string[]): Options {
  const options: Options = { sockets: 1_500, seconds: 30, root: process.cwd(), byteEveryMs: 5_000 };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === "--sockets") options.sockets = Math.min(5_000, Number(value));
    else if (flag === "--seconds") options.seconds = Number(value);
    else if (flag === "--fd-limit") options.fdLimit = Number(value);
    else if (flag === "--root") options.root = resolve(value);
    else if (flag === "--byte-every-ms") options.byteEveryMs = Number(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

/** The bytes a kind of attacker sends first, then the ones it trickles. */
function attackBytes(kind: AttackKind): { head: string; trickle: string } {
  if (kind === "headers") {
    return { head: "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n", trickle: "x".repeat(10_000) };
  }
  const auth = kind === "authenticated body" ? `authorization: Bearer ${clientKey}\r\n` : "";
  return {
    head: `POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 100000\r\n${auth}\r\n{`,
    trickle: " ".repeat(99_999),
  };
}

class Attack {
  private running = true;
  private readonly live = new Set<Socket>();
  connectFailures = 0;
  /** Lives of the sockets the gateway closed, by kind of attacker. */
  readonly lifetimesMs = new Map<AttackKind, number[]>();

  constructor(
    private readonly port: number,
    private readonly byteEveryMs: number,
  ) {}

  get open(): number {
    return this.live.size;
  }

  launch(kind: AttackKind): void {
    if (!this.running) return;
    const socket = connect(this.port, "127.0.0.1");
    const bytes = attackBytes(kind);
    let trickler: NodeJS.Timeout | undefined;
    let connectedAt: number | undefined;
    socket.on("connect", () => {
      connectedAt = performance.now();
      this.live.add(socket);
      socket.write(bytes.head);
      let next = 0;
      // A random phase, so the bytes of all sockets spread over the interval.
      setTimeout(() => {
        // Closed meanwhile: an interval started now would never be cleared, and keep the bench alive.
        if (socket.destroyed) return;
        trickler = setInterval(() => {
          if (next < bytes.trickle.length && !socket.destroyed) socket.write(bytes.trickle[next++] as string);
        }, this.byteEveryMs);
      }, Math.random() * this.byteEveryMs);
    });
    socket.on("error", () => undefined);
    // Read (and drop) what the gateway sends: a paused socket would never see its close.
    socket.resume();
    socket.on("close", () => {
      clearInterval(trickler);
      this.live.delete(socket);
      if (!this.running) return;
      if (connectedAt === undefined) this.connectFailures += 1;
      else {
        const lives = this.lifetimesMs.get(kind) ?? [];
        lives.push(performance.now() - connectedAt);
        this.lifetimesMs.set(kind, lives);
      }
      setTimeout(() => this.launch(kind), 1_000);
    });
  }

  stop(): void {
    this.running = false;
    for (const socket of this.live) socket.destroy();
  }
}

/** GET /health on a new connection: milliseconds, or undefined when it failed or took over 10 s. */
function probeHealth(url: string): Promise<number | undefined> {
  const started = performance.now();
  return new Promise((resolvePromise) => {
    let result: number | undefined;
    const request = httpRequest(
      new URL("/health", url),
      // A signal, not `timeout`: that one starts only once connected, and a dropped SYN is retried for minutes.
      { agent: false, signal: AbortSignal.timeout(probeTimeoutMs), headers: { connection: "close" } },
      (response) => {
        response.resume();
        response.on("end", () => {
          if (response.statusCode === 200) result = performance.now() - started;
        });
      },
    );
    request.on("error", () => undefined);
    // "close" comes last whatever happened: answered, refused, reset or aborted.
    request.on("close", () => resolvePromise(result));
    request.end();
  });
}

async function probeFor(url: string, seconds: number): Promise<Array<number | undefined>> {
  const probes: Array<Promise<number | undefined>> = [];
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    probes.push(probeHealth(url));
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
  return Promise.all(probes);
}

function describeProbes(label: string, results: Array<number | undefined>): string {
  const ok = results.filter((value): value is number => value !== undefined);
  const failed = results.length - ok.length;
  const ms = (value: number) => (Number.isNaN(value) ? "-" : `${value.toFixed(1)} ms`);
  return `${label}: ${results.length} probes, ${failed} failed (error or over ${probeTimeoutMs / 1000} s), p50 ${ms(percentile(ok, 50))}, p99 ${ms(percentile(ok, 99))}, worst ${failed > 0 ? `>= ${probeTimeoutMs / 1000} s (failed)` : ms(Math.max(...ok))}`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-slowloris-"));
  const gateway = await spawnGateway({
    root: options.root,
    env: {
      LLM_GATEWAY_DATA_DIR: dataDir,
      LLM_GATEWAY_API_KEYS: `${clientKey}=bench`,
      LLM_GATEWAY_LOG_LEVEL: "warn",
    },
    logPath: join(dataDir, "gateway.log"),
    fdLimit: options.fdLimit,
  });
  const port = Number(new URL(gateway.url).port);
  console.log(
    `gateway ${options.root}/dist/main.js (pid ${gateway.pid}, fd limit ${options.fdLimit ?? "inherited"}); ${options.sockets} attack sockets, one byte each every ${options.byteEveryMs} ms`,
  );
  const quiet = await probeFor(gateway.url, 3);
  const attack = new Attack(port, options.byteEveryMs);
  const kinds: AttackKind[] = ["headers", "unauthenticated body", "authenticated body"];
  for (let index = 0; index < options.sockets; index++) {
    attack.launch(kinds[index % kinds.length] as AttackKind);
    // Opened in batches: the listen backlog (511) would otherwise drop SYNs of the attack itself.
    if (index % 200 === 199) await new Promise((resolvePromise) => setTimeout(resolvePromise, 100));
  }
  const underAttack = await probeFor(gateway.url, options.seconds);
  const gatewayFds = readdirSync(`/proc/${gateway.pid}/fd`).length;
  const openAtEnd = attack.open;
  attack.stop();
  await gateway.stop();
  rmSync(dataDir, { recursive: true, force: true });

  console.log(describeProbes("GET /health, no attack", quiet));
  console.log(describeProbes(`GET /health during the attack (${options.seconds} s)`, underAttack));
  for (const kind of kinds) {
    const lives = attack.lifetimesMs.get(kind) ?? [];
    console.log(
      `  ${kind} sockets closed by the gateway: ${lives.length}${lives.length ? ` (median life ${percentile(lives, 50).toFixed(0)} ms, longest ${Math.max(...lives).toFixed(0)} ms)` : ""}`,
    );
  }
  console.log(
    `attack sockets open at the end: ${openAtEnd}; connects that failed: ${attack.connectFailures}; file descriptors the gateway held: ${gatewayFds}`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
