import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadFor, type Target } from "./bench-load.js";
import { type BenchProcess, forkScript, spawnGateway } from "./bench-processes.js";
import { chatBody, clientKey, jsonHeaders, mcpBody, mcpHeaders, streamBody } from "./bench-requests.js";

/*
 * A quieter ruler for small changes: the user-space instructions a gateway executes per request,
 * counted by valgrind's callgrind, where wall-clock CPU a request moves 15-40 % between runs of one
 * build on a shared machine. Every scenario is warmed up, then each counted for a fixed number of
 * requests at a few connections. Counts moved by up to 12 % over four runs (3-4 % between two on a quiet
 * machine): part of each is V8 compiling in the background. Compare builds with it, not absolute
 * costs; kernel time is not counted.
 *
 *   npx tsx bench/count-instructions.ts [--baseline ../other-checkout] [--requests 500]
 *
 * Needs valgrind (Debian package `valgrind`) and a built dist/ in each checkout. Takes about two minutes
 * a gateway.
 */

interface Options {
  baseline?: string;
  requests: number;
}

const root = resolve(import.meta.dirname, "..");
const scenarios = [
  { name: "chat", path: "/v1/chat/completions", headers: jsonHeaders, body: chatBody },
  { name: "stream", path: "/v1/chat/completions", headers: jsonHeaders, body: streamBody },
  { name: "mcp", path: "/mcp", headers: mcpHeaders, body: mcpBody },
];
const warmupRequests = 1_000;
const connections = 4;

function parseOptions(argv: string[]): Options {
  const options: Options = { requests: 500 };
  for (let index = 0; index < argv.length; index++) {
    const value = () => {
      const next = argv[++index];
      if (next === undefined) throw new Error(`${argv[index - 1]} needs a value`);
      return next;
    };
    const flag = argv[index];
    if (flag === "--baseline") options.baseline = resolve(value());
    else if (flag === "--requests") options.requests = Number(value());
    else throw new Error(`unknown option ${flag}`);
  }
  return options;
}

/** Instructions the gateway ran since the last zeroing, read from the dump callgrind writes. */
function dumpInstructions(pid: number, outDir: string): number {
  const before = new Set(readdirSync(outDir));
  execFileSync("callgrind_control", ["--dump", String(pid)], { stdio: "ignore" });
  const dumped = readdirSync(outDir).filter((name) => !before.has(name));
  let total = 0;
  for (const name of dumped) {
    const totals = /^totals: (\d+)$/m.exec(readFileSync(join(outDir, name), "utf8"));
    total += Number(totals?.[1] ?? 0);
  }
  if (dumped.length === 0) throw new Error("callgrind wrote no dump");
  return total;
}

function instrumentation(pid: number, on: boolean): void {
  execFileSync("callgrind_control", ["--instr", on ? "on" : "off", String(pid)], { stdio: "ignore" });
}

async function countGateway(
  name: string,
  checkout: string,
  openAiBaseUrl: string,
  options: Options,
  work: string,
): Promise<Map<string, number>> {
  const outDir = mkdtempSync(join(work, `${name}-callgrind-`));
  const gateway = await spawnGateway({
    root: checkout,
    env: {
      LLM_GATEWAY_DATA_DIR: join(work, `${name}-data`),
      LLM_GATEWAY_API_KEYS: `${clientKey}=bench`,
      LLM_GATEWAY_LOG_LEVEL: "info",
      OPENAI_API_KEY: "sk-bench-openai",
      OPENAI_BASE_URL: openAiBaseUrl,
    },
    logPath: join(work, `${name}.log`),
    wrapper: [
      "valgrind",
      "--tool=callgrind",
      // V8 writes machine code into memory it then runs: without this callgrind runs stale code.
      "--smc-check=all-non-file",
      "--instr-atstart=no",
      `--callgrind-out-file=${join(outDir, "callgrind.out.%p")}`,
    ],
    startUpTimeoutMs: 180_000,
  });
  const counts = new Map<string, number>();
  try {
    const targets = scenarios.map((scenario) => ({
      name: scenario.name,
      target: {
        url: `${gateway.url}${scenario.path}`,
        pid: gateway.pid,
        headers: scenario.headers,
        body: scenario.body,
      } satisfies Target,
    }));
    // Every scenario warmed up before any is counted: code they share is compiled by then.
    for (const { target } of targets) await loadFor(target, { connections, amount: warmupRequests });
    for (const { name: scenario, target } of targets) {
      // The dump's counts start here: whatever ran before is dumped and thrown away.
      dumpInstructions(gateway.pid, outDir);
      instrumentation(gateway.pid, true);
      const { requests } = await loadFor(target, { connections, amount: options.requests });
      instrumentation(gateway.pid, false);
      counts.set(scenario, dumpInstructions(gateway.pid, outDir) / requests);
    }
  } finally {
    await gateway.stop();
  }
  return counts;
}

const options = parseOptions(process.argv.slice(2));
for (const checkout of [root, options.baseline]) {
  if (checkout && !existsSync(join(checkout, "dist/main.js"))) {
    throw new Error(`${checkout}/dist/main.js is missing: run npm run build there first`);
  }
}
const work = mkdtempSync(join(tmpdir(), "llmgw-instructions-"));
const processes: BenchProcess[] = [];
try {
  const fakes = await forkScript<{ openAiBaseUrl: string }>(join(root, "bench/fake-upstreams.ts"));
  processes.push(fakes.process);
  const results = new Map<string, Map<string, number>>();
  results.set("gateway", await countGateway("gateway", root, fakes.ready.openAiBaseUrl, options, work));
  if (options.baseline) {
    results.set(
      "baseline",
      await countGateway("baseline", options.baseline, fakes.ready.openAiBaseUrl, options, work),
    );
  }
  console.log(
    `\nM instructions a request (${options.requests} requests at ${connections} connections after ${warmupRequests} warm-up)\n`,
  );
  console.log(
    `| scenario | ${[...results.keys()].join(" | ")} |${options.baseline ? " gateway / baseline |" : ""}`,
  );
  console.log(
    `| --- | ${[...results.keys()].map(() => "---").join(" | ")} |${options.baseline ? " --- |" : ""}`,
  );
  for (const { name } of scenarios) {
    const values = [...results.values()].map((counts) => counts.get(name) ?? Number.NaN);
    const ratio = options.baseline ? ` ${((values[0] ?? 0) / (values[1] ?? 1)).toFixed(3)} |` : "";
    console.log(`| ${name} | ${values.map((value) => (value / 1e6).toFixed(2)).join(" | ")} |${ratio}`);
  }
} finally {
  for (const process of processes) await process.stop();
  rmSync(work, { recursive: true, force: true });
}
