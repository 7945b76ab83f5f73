import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type LoadResult, loadFor, sequentialLatencies, streamTimings, type Target } from "./bench-load.js";
import { type BenchProcess, forkScript, rssBytes, spawnGateway } from "./bench-processes.js";
import {
  cachedChatBody,
  chatBody,
  clientKey,
  jsonHeaders,
  mcpBody,
  mcpHeaders,
  messages,
  streamBody,
} from "./bench-requests.js";
import { formatTable, mean, percentile, type Row } from "./bench-table.js";
import { type ReplayedWorkload, replayWorkload } from "./cache-workload.js";
import { measureStartUp, startUpRow, startUpTarget } from "./start-up.js";
import { measureWorkerScaling } from "./workers-scaling.js";

/*
 * npm run bench: direct (client -> fake OpenAI), floor (client -> bare undici
 * proxy -> fake) and the gateway (auth, usage booking to SQLite, info logs to
 * a file) measured in one run, interleaved round by round, each proxy in its
 * own process so its CPU is its own. See README "Benchmark".
 */

interface BenchOptions {
  quick: boolean;
  soak: number;
  baseline?: string;
  cpuProfile: boolean;
  out?: string;
}

interface Plan {
  rounds: number;
  sequentialPerRound: number;
  streamPerRound: number;
  failoverPerRound: number;
  loadSeconds: number;
  connections: number;
  warmup: number;
  /** The replayed cache workload: requests drawn from so many distinct deterministic prompts. */
  cacheWorkload: { requests: number; distinctPrompts: number };
  /** Cold starts of the gateway (each with an empty data dir) for the start-up row. */
  startUps: number;
}

const fullPlan: Plan = {
  rounds: 5,
  sequentialPerRound: 1_000,
  streamPerRound: 400,
  // The primary-failing gateway opens its circuit after 1,000 consecutive failures (the most allowed).
  failoverPerRound: 150,
  loadSeconds: 2,
  connections: 32,
  warmup: 1_000,
  cacheWorkload: { requests: 1_000, distinctPrompts: 200 },
  startUps: 15,
};
const quickPlan: Plan = {
  rounds: 1,
  sequentialPerRound: 150,
  streamPerRound: 50,
  failoverPerRound: 50,
  loadSeconds: 0.5,
  connections: 32,
  warmup: 100,
  cacheWorkload: { requests: 200, distinctPrompts: 40 },
  startUps: 3,
};

const root = resolve(import.meta.dirname, "..");
function parseOptions(argv: string[]): BenchOptions {
  const options: BenchOptions = { quick: false, soak: 100_000, cpuProfile: false };
  let soakGiven = false;
  for (let index = 0; index < argv.length; index++) {
    const flag = argv[index];
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${flag} needs a value`);
      return next;
    };
    if (flag === "--quick") options.quick = true;
    else if (flag === "--soak") {
      options.soak = Number(value());
      soakGiven = true;
      if (!Number.isInteger(options.soak) || options.soak < 10) throw new Error("--soak takes a count >= 10");
    } else if (flag === "--baseline") options.baseline = resolve(value());
    else if (flag === "--cpu-prof") options.cpuProfile = true;
    else if (flag === "--out") options.out = resolve(value());
    else
      throw new Error(
        `unknown flag ${flag}; flags: --quick, --soak N, --baseline DIR, --cpu-prof, --out FILE`,
      );
  }
  if (options.quick && !soakGiven) options.soak = 2_000;
  return options;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const plan = options.quick ? quickPlan : fullPlan;
  for (const checkout of [root, options.baseline]) {
    if (checkout && !existsSync(join(checkout, "dist/main.js"))) {
      throw new Error(`${checkout}/dist/main.js is missing: run npm run build there first`);
    }
  }
  const startedAt = new Date();
  const stamp = startedAt
    .toISOString()
    .replaceAll(":", "-")
    .replace(/\.\d+Z$/, "Z");
  const resultsDir = join(root, "bench-results");
  const work = mkdtempSync(join(tmpdir(), "llmgw-bench-"));
  const processes: BenchProcess[] = [];
  let failed = false;
  try {
    // First, while no other process of the bench runs: the gateway (and the baseline) cold, interleaved.
    log(`start-up: ${plan.startUps} cold starts`);
    const startUps = await measureStartUp(
      [
        { name: "gateway", root },
        ...(options.baseline ? [{ name: "baseline", root: options.baseline }] : []),
      ],
      plan.startUps,
    );
    const fakes = await forkScript<{ openAiBaseUrl: string; anthropicBaseUrl: string }>(
      join(root, "bench/fake-upstreams.ts"),
    );
    processes.push(fakes.process);
    const primaryCalls = () =>
      new Promise<number>((resolveCalls) => {
        fakes.child.once("message", (message) =>
          resolveCalls((message as { primaryCalls: number }).primaryCalls),
        );
        fakes.child.send("stats");
      });
    const floor = await forkScript<{ port: number }>(join(root, "bench/floor-proxy.ts"), [
      new URL(fakes.ready.openAiBaseUrl).origin,
    ]);
    processes.push(floor.process);
    // The floor on the prescribed stack (Fastify, zod, pino, prom-client, better-sqlite3): its price, apart from ours.
    const stackFloor = await forkScript<{ port: number }>(join(root, "bench/stack-floor-proxy.ts"), [
      new URL(fakes.ready.openAiBaseUrl).origin,
      join(work, "stack-floor.log"),
    ]);
    processes.push(stackFloor.process);

    const gatewayEnv = (name: string, extra: Record<string, string> = {}) => ({
      LLM_GATEWAY_DATA_DIR: join(work, `${name}-data`),
      LLM_GATEWAY_API_KEYS: `${clientKey}=bench`,
      LLM_GATEWAY_LOG_LEVEL: "info",
      OPENAI_API_KEY: "sk-bench-openai",
      OPENAI_BASE_URL: fakes.ready.openAiBaseUrl,
      ANTHROPIC_API_KEY: "sk-ant-bench",
      ANTHROPIC_BASE_URL: fakes.ready.anthropicBaseUrl,
      // The circuit-open row must not see a half-open trial in the middle of the run.
      LLM_GATEWAY_CIRCUIT_COOLDOWN_SECONDS: "3600",
      ...extra,
    });
    const profileDir = join(resultsDir, "profiles", stamp);
    if (options.cpuProfile) mkdirSync(profileDir, { recursive: true });
    const gateway = await spawnGateway({
      root,
      env: gatewayEnv("gateway"),
      logPath: join(work, "gateway.log"),
      ...(options.cpuProfile ? { cpuProfileDir: profileDir } : {}),
    });
    processes.push(gateway);
    // Every request tries the failing primary: no retry, and a circuit that opens only after 1,000 failures.
    const failing = await spawnGateway({
      root,
      env: gatewayEnv("failover", {
        LLM_GATEWAY_MAX_RETRIES: "0",
        LLM_GATEWAY_CIRCUIT_FAILURE_THRESHOLD: "1000",
      }),
      logPath: join(work, "failover.log"),
    });
    processes.push(failing);
    // Tracing on: every request's spans exported over OTLP/HTTP to a local receiver in its own process.
    const otlpSink = await forkScript<{ endpoint: string }>(join(root, "bench/otlp-sink.ts"));
    processes.push(otlpSink.process);
    const sinkStats = () =>
      new Promise<{ spans: number; exports: number }>((resolveStats) => {
        otlpSink.child.once("message", (message) =>
          resolveStats(message as { spans: number; exports: number }),
        );
        otlpSink.child.send("stats");
      });
    const traced = await spawnGateway({
      root,
      env: gatewayEnv("traced", {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.ready.endpoint,
        OTEL_SERVICE_NAME: "llm-gateway-bench",
      }),
      logPath: join(work, "traced.log"),
    });
    processes.push(traced);
    // Tracing on, every trace sampled out: what the request and attempt hooks cost without recording or exporting.
    const sampledOut = await spawnGateway({
      root,
      env: gatewayEnv("sampled-out", {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlpSink.ready.endpoint,
        OTEL_TRACES_SAMPLER: "always_off",
      }),
      logPath: join(work, "sampled-out.log"),
    });
    processes.push(sampledOut);
    const baseline = options.baseline
      ? await spawnGateway({
          root: options.baseline,
          env: gatewayEnv("baseline"),
          logPath: join(work, "baseline.log"),
        })
      : undefined;
    if (baseline) processes.push(baseline);

    const direct = { url: `${fakes.ready.openAiBaseUrl}/chat/completions`, pid: fakes.process.pid };
    const floorUrl = `http://127.0.0.1:${floor.ready.port}/v1/chat/completions`;
    const gateways = { gateway, ...(baseline ? { baseline } : {}) };
    const chatTargets = (body: string): Record<string, Target> => ({
      direct: { ...direct, headers: jsonHeaders, body },
      floor: { url: floorUrl, pid: floor.process.pid, headers: jsonHeaders, body },
      ...Object.fromEntries(
        Object.entries(gateways).map(([name, process]) => [
          name,
          { url: `${process.url}/v1/chat/completions`, pid: process.pid, headers: jsonHeaders, body },
        ]),
      ),
    });
    // Unstreamed only, as the floor asks the provider.
    const chat: Record<string, Target> = {
      ...chatTargets(chatBody),
      "stack floor": {
        url: `http://127.0.0.1:${stackFloor.ready.port}/v1/chat/completions`,
        pid: stackFloor.process.pid,
        headers: jsonHeaders,
        body: chatBody,
      },
    };
    const stream = chatTargets(streamBody);
    const mcp: Record<string, Target> = Object.fromEntries(
      Object.entries(gateways).map(([name, process]) => [
        name,
        { url: `${process.url}/mcp`, pid: process.pid, headers: mcpHeaders, body: mcpBody },
      ]),
    );
    const cacheHit: Target = {
      url: `${gateway.url}/v1/chat/completions`,
      pid: gateway.pid,
      headers: jsonHeaders,
      body: cachedChatBody,
    };
    const reasoningBody = JSON.stringify({ model: "reasoning", messages });
    const failover: Record<string, Target> = {
      "primary 500": {
        url: `${failing.url}/v1/chat/completions`,
        pid: failing.pid,
        headers: jsonHeaders,
        body: reasoningBody,
      },
      "circuit open": {
        url: `${gateway.url}/v1/chat/completions`,
        pid: gateway.pid,
        headers: jsonHeaders,
        body: reasoningBody,
      },
    };

    log(`warming up (${plan.warmup} requests a target)`);
    for (const target of [...Object.values(chat), ...Object.values(stream), ...Object.values(mcp)]) {
      await loadFor(target, { connections: 8, amount: plan.warmup });
    }
    // The first one asks the provider and fills the cache; every later one is a hit.
    await loadFor(cacheHit, { connections: 1, amount: plan.warmup });
    // Opens the primary's circuit on the main gateway (5 failures), and warms the failing path.
    for (const target of Object.values(failover)) await sequentialLatencies(target, 20);

    const samples = new Map<string, number[]>();
    const add = (key: string, values: number[]) => samples.set(key, [...(samples.get(key) ?? []), ...values]);
    let primaryCallsWithCircuitOpen = 0;
    let primaryCallsFailing = 0;
    for (let round = 0; round < plan.rounds; round++) {
      log(`round ${round + 1}/${plan.rounds}: sequential latency`);
      for (const [name, target] of rotate(Object.entries(chat), round)) {
        add(`chat/${name}`, await sequentialLatencies(target, plan.sequentialPerRound));
      }
      add("cache hit/gateway", await sequentialLatencies(cacheHit, plan.sequentialPerRound));
      for (const [name, target] of rotate(Object.entries(stream), round)) {
        const timings = await streamTimings(target, plan.streamPerRound);
        add(`stream first byte/${name}`, timings.firstByte);
        add(`stream first content/${name}`, timings.firstContent);
        add(`stream last byte/${name}`, timings.lastByte);
      }
      for (const [name, target] of rotate(Object.entries(mcp), round)) {
        add(`mcp/${name}`, await sequentialLatencies(target, plan.sequentialPerRound));
      }
      for (const [name, target] of rotate(Object.entries(failover), round)) {
        const before = await primaryCalls();
        add(`failover/${name}`, await sequentialLatencies(target, plan.failoverPerRound));
        const calls = (await primaryCalls()) - before;
        if (name === "circuit open") primaryCallsWithCircuitOpen += calls;
        else primaryCallsFailing += calls;
      }
    }

    const loads = new Map<string, LoadResult>();
    const rssUnderLoad = new Map<string, number>();
    for (let round = 0; round < plan.rounds; round++) {
      log(`round ${round + 1}/${plan.rounds}: throughput at ${plan.connections} connections`);
      for (const [scenario, targets] of [
        ["chat", chat],
        ["stream last byte", stream],
        ["mcp", mcp],
      ] as const) {
        for (const [name, target] of rotate(Object.entries(targets), round)) {
          const result = await loadFor(target, { connections: plan.connections, seconds: plan.loadSeconds });
          const rssMb = megabytes(rssBytes(target.pid));
          rssUnderLoad.set(
            `${scenario}/${name}`,
            Math.max(rssUnderLoad.get(`${scenario}/${name}`) ?? 0, rssMb),
          );
          const sum = loads.get(`${scenario}/${name}`) ?? { requests: 0, seconds: 0, cpuSeconds: 0 };
          loads.set(`${scenario}/${name}`, {
            requests: sum.requests + result.requests,
            seconds: sum.seconds + result.seconds,
            cpuSeconds: sum.cpuSeconds + result.cpuSeconds,
          });
        }
      }
    }

    // Tracing on vs off: the same chat load on the untraced and the traced gateway, interleaved.
    const tracedChat: Target = {
      ...(chat.gateway as Target),
      url: `${traced.url}/v1/chat/completions`,
      pid: traced.pid,
    };
    const sampledOutChat: Target = {
      ...(chat.gateway as Target),
      url: `${sampledOut.url}/v1/chat/completions`,
      pid: sampledOut.pid,
    };
    await loadFor(tracedChat, { connections: 8, amount: plan.warmup });
    await loadFor(sampledOutChat, { connections: 8, amount: plan.warmup });
    const tracingLoads = { off: emptyLoad(), on: emptyLoad(), sampledOut: emptyLoad() };
    for (let round = 0; round < plan.rounds; round++) {
      log(`round ${round + 1}/${plan.rounds}: tracing on vs off at ${plan.connections} connections`);
      for (const [name, target] of rotate(
        [
          ["off", chat.gateway as Target],
          ["on", tracedChat],
          ["sampledOut", sampledOutChat],
        ] as const,
        round,
      )) {
        const result = await loadFor(target, { connections: plan.connections, seconds: plan.loadSeconds });
        const sum = tracingLoads[name];
        sum.requests += result.requests;
        sum.seconds += result.seconds;
        sum.cpuSeconds += result.cpuSeconds;
      }
    }

    // serve --workers 1 vs 2: two more gateways, started now so they do not idle beside the rows above.
    const workerScaling = await measureWorkerScaling({
      root,
      work,
      env: (name) => gatewayEnv(name),
      request: { headers: jsonHeaders, body: chatBody },
      rounds: plan.rounds,
      seconds: plan.loadSeconds,
      connections: 32,
      warmup: plan.warmup,
      processes,
      log,
    });

    log(
      `cache: ${plan.cacheWorkload.requests} requests from ${plan.cacheWorkload.distinctPrompts} distinct prompts`,
    );
    const replayed = await replayWorkload(`${gateway.url}/v1/chat/completions`, jsonHeaders, {
      ...plan.cacheWorkload,
      model: "gpt-4.1",
    });

    log(`soak: ${options.soak} requests through the gateway`);
    const soakStep = Math.max(1, Math.round(options.soak / 10));
    const atStart = { requests: 0, rssMb: megabytes(rssBytes(gateway.pid)) };
    const rss = [atStart];
    for (let sent = 0; sent < options.soak; ) {
      const amount = Math.min(soakStep, options.soak - sent);
      // autocannon refuses more connections than requests.
      await loadFor(chat.gateway as Target, { connections: Math.min(plan.connections, amount), amount });
      sent += amount;
      rss.push({ requests: sent, rssMb: megabytes(rssBytes(gateway.pid)) });
    }

    const calls = { primaryCallsWithCircuitOpen, primaryCallsFailing };
    const soakRss: SoakRss = { first: rss[1] ?? atStart, last: rss[rss.length - 1] ?? atStart };
    const rows = buildRows(samples, loads, rssUnderLoad, calls, soakRss, replayed);
    const targets = checkTargets(rows, calls, soakRss, replayed, plan.connections);
    // The exporter sends a batch every 5 s or each 512 spans: a short run may still hold its spans.
    let sunk = await sinkStats();
    for (const until = Date.now() + 7_000; sunk.spans === 0 && Date.now() < until; sunk = await sinkStats()) {
      await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }
    const tracing = tracingOverhead(tracingLoads, sunk);
    rows.push(tracing.row, ...workerScaling.rows);
    targets.push(tracing.target, workerScaling.target);
    rows.push(...startUps.map(startUpRow));
    targets.push(...startUps.filter((result) => result.name === "gateway").map(startUpTarget));
    const report = {
      date: startedAt.toISOString(),
      command: `npm run bench -- ${process.argv.slice(2).join(" ")}`.trim(),
      machine: { cpus: availableParallelism(), model: cpus()[0]?.model, node: process.version },
      plan,
      soak: { requests: options.soak, rss },
      baseline: options.baseline,
      rows,
      targets,
    };
    const out = options.out ?? join(resultsDir, `bench-${stamp}.json`);
    mkdirSync(resolve(out, ".."), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    process.stdout.write(
      `\nNode ${process.version} (the gateway runs on the same binary), ${availableParallelism()} CPUs (${cpus()[0]?.model ?? "?"})\n`,
    );
    process.stdout.write(`\n${formatTable(rows)}\n\n`);
    for (const target of targets) {
      process.stdout.write(`${target.met ? "met   " : "MISSED"}  ${target.name}: ${target.detail}\n`);
    }
    process.stdout.write(`\nwritten to ${out}\n`);
    if (options.cpuProfile) process.stdout.write(`gateway CPU profile in ${profileDir} (written at exit)\n`);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    for (const child of processes.reverse()) await child.stop();
    // A failed run's logs say why (each gateway's, the fakes'): kept for reading.
    if (failed) process.stderr.write(`bench: the processes' logs are kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

interface PrimaryCalls {
  primaryCallsWithCircuitOpen: number;
  primaryCallsFailing: number;
}

/** RSS after the first tenth of the soak (the heap has settled) and at its end. */
interface SoakRss {
  first: { requests: number; rssMb: number };
  last: { requests: number; rssMb: number };
}

function buildRows(
  samples: Map<string, number[]>,
  loads: Map<string, LoadResult>,
  rssUnderLoad: Map<string, number>,
  calls: PrimaryCalls,
  { first, last }: SoakRss,
  replayed: ReplayedWorkload,
): Row[] {
  const p50 = (key: string) => percentile(samples.get(key) ?? [], 50);
  const p99 = (key: string) => percentile(samples.get(key) ?? [], 99);
  const average = (key: string) => mean(samples.get(key) ?? []);
  const rows: Row[] = [];
  for (const [key, values] of samples) {
    const [scenario = "", target = ""] = key.split("/");
    // Added latency is measured from the direct call; failover rows from the gateway's own direct call.
    const reference = scenario.startsWith("stream")
      ? `${scenario}/direct`
      : scenario === "failover"
        ? "chat/gateway"
        : "chat/direct";
    const floorKey = scenario.startsWith("stream") ? `${scenario}/floor` : "chat/floor";
    const added = target === "direct" ? undefined : p50(key) - p50(reference);
    const floorAdded = p50(floorKey) - p50(reference);
    const comparesToFloor = added !== undefined && scenario !== "failover" && target !== "floor";
    // Sequential chat only: mean and p99 added, each over the floor's (the targets).
    const ratioOf = (stat: (key: string) => number) =>
      (stat(key) - stat(reference)) / (stat(floorKey) - stat(reference));
    const spread =
      comparesToFloor && scenario === "chat"
        ? { addedMeanRatioToFloor: ratioOf(average), addedP99RatioToFloor: ratioOf(p99) }
        : {};
    const load = loads.get(key);
    const rssMb = rssUnderLoad.get(key);
    let note: string | undefined;
    if (key === "failover/circuit open") note = `primary calls ${calls.primaryCallsWithCircuitOpen}`;
    if (key === "failover/primary 500") note = `primary calls ${calls.primaryCallsFailing}`;
    rows.push({
      scenario,
      target,
      count: values.length,
      p50: p50(key),
      mean: mean(values),
      p90: percentile(values, 90),
      p99: percentile(values, 99),
      ...(added !== undefined ? { addedP50: added } : {}),
      ...(comparesToFloor && added !== undefined ? { addedRatioToFloor: added / floorAdded } : {}),
      ...spread,
      ...(rssMb !== undefined ? { rssUnderLoadMb: rssMb } : {}),
      ...(load
        ? {
            requestsPerSecond: load.requests / load.seconds,
            cpuMicrosPerRequest: (load.cpuSeconds / load.requests) * 1e6,
          }
        : {}),
      ...(note ? { note } : {}),
    });
  }
  const hitRate = replayed.hits / replayed.requests;
  rows.push({
    scenario: "cache replay",
    target: "gateway",
    count: replayed.requests,
    p50: percentile(replayed.latencies, 50),
    p90: percentile(replayed.latencies, 90),
    p99: percentile(replayed.latencies, 99),
    note: `hit rate ${(hitRate * 100).toFixed(1)}% (${replayed.hits} hits; ${replayed.promptsDrawn} of ${replayed.distinctPrompts} prompts drawn)`,
  });
  const order = [
    "chat",
    "cache hit",
    "cache replay",
    "stream first byte",
    "stream first content",
    "stream last byte",
    "mcp",
    "failover",
  ];
  rows.sort((a, b) => order.indexOf(a.scenario) - order.indexOf(b.scenario));
  rows.push({
    scenario: "soak",
    target: "gateway",
    count: last.requests,
    note: `RSS ${first.rssMb.toFixed(1)} MB after ${first.requests}, ${last.rssMb.toFixed(1)} MB after ${last.requests}`,
  });
  return rows;
}

function checkTargets(
  rows: Row[],
  calls: PrimaryCalls,
  { first, last }: SoakRss,
  replayed: ReplayedWorkload,
  connections: number,
) {
  const row = (scenario: string, target: string) =>
    rows.find((candidate) => candidate.scenario === scenario && candidate.target === target);
  const chatGateway = row("chat", "gateway");
  const chatFloor = row("chat", "floor");
  const chatStackFloor = row("chat", "stack floor");
  const contentGateway = row("stream first content", "gateway");
  const contentFloor = row("stream first content", "floor");
  const lastByteGateway = row("stream last byte", "gateway");
  const mcpGateway = row("mcp", "gateway");
  const failing = row("failover", "primary 500");
  const cacheHit = row("cache hit", "gateway");
  const repeats = replayed.requests - replayed.promptsDrawn;
  const ratio = (value: number | undefined, to: number | undefined) =>
    (value ?? Number.NaN) / (to ?? Number.NaN);
  const cpuRatio = ratio(chatGateway?.cpuMicrosPerRequest, chatFloor?.cpuMicrosPerRequest);
  const rpsRatio = ratio(chatGateway?.requestsPerSecond, chatFloor?.requestsPerSecond);
  const mcpCpuRatio = ratio(mcpGateway?.cpuMicrosPerRequest, chatGateway?.cpuMicrosPerRequest);
  const contentOverFloor = (contentGateway?.addedP50 ?? Number.NaN) - (contentFloor?.addedP50 ?? Number.NaN);
  const rssOverFloor =
    (chatGateway?.rssUnderLoadMb ?? Number.NaN) - (chatFloor?.rssUnderLoadMb ?? Number.NaN);
  const rssGrowth = last.rssMb - first.rssMb;
  const times = (value: number | undefined) => `${value?.toFixed(2)}x`;
  return [
    {
      name: "sequential added latency p50 <= 1.5x floor's",
      met: (chatGateway?.addedRatioToFloor ?? Number.POSITIVE_INFINITY) <= 1.5,
      detail: `${times(chatGateway?.addedRatioToFloor)} (${ms(chatGateway?.addedP50)} vs ${ms(chatFloor?.addedP50)})`,
    },
    {
      name: "sequential added latency mean <= 2x floor's",
      met: (chatGateway?.addedMeanRatioToFloor ?? Number.POSITIVE_INFINITY) <= 2,
      detail: times(chatGateway?.addedMeanRatioToFloor),
    },
    {
      name: "sequential added latency p99 <= 2x floor's",
      met: (chatGateway?.addedP99RatioToFloor ?? Number.POSITIVE_INFINITY) <= 2,
      detail: times(chatGateway?.addedP99RatioToFloor),
    },
    {
      name: "CPU per request <= 2x floor's",
      met: cpuRatio <= 2,
      detail: `${cpuRatio.toFixed(2)}x (${chatGateway?.cpuMicrosPerRequest?.toFixed(0)} vs ${chatFloor?.cpuMicrosPerRequest?.toFixed(0)} us; the stack floor ${times(ratio(chatStackFloor?.cpuMicrosPerRequest, chatFloor?.cpuMicrosPerRequest))})`,
    },
    {
      name: `requests per second at ${connections} connections >= 0.6x floor's`,
      met: rpsRatio >= 0.6,
      detail: `${rpsRatio.toFixed(2)}x (${chatGateway?.requestsPerSecond?.toFixed(0)} vs ${chatFloor?.requestsPerSecond?.toFixed(0)} req/s)`,
    },
    {
      name: "MCP tools/call chat_completion CPU per request <= 1.5x the /v1 chat path's",
      met: mcpCpuRatio <= 1.5,
      detail: `${mcpCpuRatio.toFixed(2)}x (${mcpGateway?.cpuMicrosPerRequest?.toFixed(0)} vs ${chatGateway?.cpuMicrosPerRequest?.toFixed(0)} us)`,
    },
    {
      name: "stream: added time to the first content token <= floor's + 0.2 ms (p50)",
      met: contentOverFloor <= 0.2,
      detail: `+${ms(contentOverFloor)} over the floor's ${ms(contentFloor?.addedP50)}`,
    },
    {
      name: "stream: added time to the last byte <= 1.5x floor's (p50)",
      met: (lastByteGateway?.addedRatioToFloor ?? Number.POSITIVE_INFINITY) <= 1.5,
      detail: `${times(lastByteGateway?.addedRatioToFloor)} (${ms(lastByteGateway?.addedP50)})`,
    },
    {
      name: "RSS under the chat load <= floor's + 30 MB",
      met: rssOverFloor <= 30,
      detail: `${chatGateway?.rssUnderLoadMb?.toFixed(1)} vs ${chatFloor?.rssUnderLoadMb?.toFixed(1)} MB (+${rssOverFloor.toFixed(1)} MB)`,
    },
    {
      // A leak is growth; RSS shrinking once the heap settles is not one.
      name: "soak: RSS flat (end at most 10 MB above RSS after the first tenth)",
      met: rssGrowth <= 10,
      detail: `${rssGrowth >= 0 ? "+" : ""}${rssGrowth.toFixed(1)} MB (${first.rssMb.toFixed(1)} MB after ${first.requests}, ${last.rssMb.toFixed(1)} MB after ${last.requests})`,
    },
    {
      name: "failover to a fast-failing primary adds <= 5 ms at p50",
      met: (failing?.addedP50 ?? Number.POSITIVE_INFINITY) <= 5,
      detail: `+${ms(failing?.addedP50)}`,
    },
    {
      // The fakes answer at once: a hit skipping a real provider's hundreds of ms wins by far more.
      name: "a cache hit answers faster than the floor proxy reaches the provider (p50)",
      met: (cacheHit?.p50 ?? Number.POSITIVE_INFINITY) < (chatFloor?.p50 ?? 0),
      detail: `${ms(cacheHit?.p50)} vs ${ms(chatFloor?.p50)} (gateway to the provider ${ms(chatGateway?.p50)})`,
    },
    {
      name: "replayed workload: every repeat of a prompt is a hit",
      met: replayed.hits === repeats,
      detail: `${replayed.hits} hits of ${repeats} repeats (${replayed.promptsDrawn} prompts drawn of ${replayed.distinctPrompts})`,
    },
    {
      name: "with the circuit open, the primary gets no calls",
      met: calls.primaryCallsWithCircuitOpen === 0,
      detail: `primary calls ${calls.primaryCallsWithCircuitOpen}`,
    },
  ];
}

function emptyLoad(): LoadResult {
  return { requests: 0, seconds: 0, cpuSeconds: 0 };
}

/**
 * Tracing on vs off: the traced gateway's CPU per chat request over the
 * untraced one's, under the same load in the same rounds, and the spans its
 * exporter delivered to the local receiver (two a request: the request and
 * its attempt).
 */
function tracingOverhead(
  loads: { off: LoadResult; on: LoadResult; sampledOut: LoadResult },
  sink: { spans: number; exports: number },
) {
  const cpu = (load: LoadResult) => (load.cpuSeconds / load.requests) * 1e6;
  const off = cpu(loads.off);
  const on = cpu(loads.on);
  const added = on - off;
  const sampledOutAdded = cpu(loads.sampledOut) - off;
  return {
    row: {
      scenario: "tracing on vs off",
      target: "gateway",
      count: loads.on.requests,
      requestsPerSecond: loads.on.requests / loads.on.seconds,
      cpuMicrosPerRequest: on,
      note: `chat CPU per request ${on.toFixed(0)} us on vs ${off.toFixed(0)} us off (+${added.toFixed(0)} us, ${((added / off) * 100).toFixed(1)}%), all sampled out +${sampledOutAdded.toFixed(0)} us; off ${(loads.off.requests / loads.off.seconds).toFixed(0)} req/s; ${sink.spans} spans in ${sink.exports} OTLP exports`,
    } satisfies Row,
    target: {
      name: "tracing on (OTLP/HTTP protobuf to a local receiver) adds <= 25% CPU per chat request",
      met: added <= 0.25 * off && sink.spans > 0,
      detail: `+${added.toFixed(0)} us (${((added / off) * 100).toFixed(1)}%), ${sink.spans} spans exported`,
    },
  };
}

function rotate<T>(items: T[], by: number): T[] {
  const shift = by % Math.max(1, items.length);
  return [...items.slice(shift), ...items.slice(0, shift)];
}

function megabytes(bytes: number): number {
  return bytes / 1024 / 1024;
}

function ms(value: number | undefined): string {
  return value === undefined ? "?" : `${value.toFixed(3)} ms`;
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
