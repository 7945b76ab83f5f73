import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { spawnGateway } from "./bench-processes.js";
import { percentile } from "./bench-table.js";

/*
 * How long /health stalls while one caller makes the gateway tokenize a huge
 * input (issue 23, point 3). Usage, after `npm run build`:
 *
 *   npx tsx bench/health-stall.ts [--root <checkout with dist/>]
 *
 * Each scenario sends one request while /health is polled every 5 ms; the
 * table gives the worst and p99 /health latency during it. --root measures
 * another build (an older commit's), so before and after run on one machine.
 */

interface Scenario {
  name: string;
  send(url: string): Promise<Response>;
}

function randomWords(characters: number, wordLength: number): string {
  const letters = "abcdefghijklmnopqrstuvwxyz";
  const words: string[] = [];
  for (let length = 0; length < characters; length += wordLength + 1) {
    let word = "";
    for (let index = 0; index < wordLength; index++) word += letters[Math.floor(Math.random() * 26)];
    words.push(word);
  }
  return words.join(" ").slice(0, characters);
}

function cjk(characters: number): string {
  let text = "";
  for (let index = 0; index < characters; index++)
    text += String.fromCharCode(0x4e00 + ((index * 7919) % 20_000));
  return text;
}

function countTokensCall(text: string): Scenario["send"] {
  return (url) =>
    fetch(`${url}/mcp`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: {
          name: "count_tokens",
          arguments: { project_id: "p", agent_id: "a", model: "gpt-4o", text },
        },
      }),
    });
}

function budgetedChat(text: string): Scenario["send"] {
  return (url) =>
    fetch(`${url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-project-id": "budgeted" },
      body: JSON.stringify({ model: "gpt-4.1-mini", messages: [{ role: "user", content: text }] }),
    });
}

const scenarios: Scenario[] = [
  {
    name: "count_tokens, 4,000,000 chars of 256-letter words",
    send: countTokensCall(randomWords(4_000_000, 256)),
  },
  { name: "count_tokens, 3,000,000 CJK chars", send: countTokensCall(cjk(3_000_000)) },
  { name: "budgeted chat, 9,500,000-char prompt", send: budgetedChat(randomWords(9_500_000, 8)) },
];

async function measure(
  url: string,
  scenario: Scenario,
): Promise<{ worst: number; p99: number; took: number; status: number; failures: number }> {
  const latencies: number[] = [];
  let failures = 0;
  let done = false;
  const poll = (async () => {
    while (!done) {
      const started = performance.now();
      try {
        await fetch(`${url}/health`).then((response) => response.arrayBuffer());
      } catch {
        failures += 1;
      }
      latencies.push(performance.now() - started);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const started = performance.now();
  const response = await scenario.send(url);
  await response.arrayBuffer().catch(() => undefined);
  const took = performance.now() - started;
  done = true;
  await poll;
  latencies.sort((a, b) => a - b);
  return {
    worst: latencies.at(-1) ?? 0,
    p99: percentile(latencies, 99),
    took,
    status: response.status,
    failures,
  };
}

async function main(): Promise<void> {
  const rootFlag = process.argv.indexOf("--root");
  const root = resolve(rootFlag >= 0 ? (process.argv[rootFlag + 1] ?? ".") : ".");
  const dataDir = mkdtempSync(join(tmpdir(), "llmgw-stall-"));
  const configPath = join(dataDir, "gateway.yaml");
  writeFileSync(configPath, "budgets:\n  projects:\n    budgeted: { daily_usd: 100 }\n");
  const gateway = await spawnGateway({
    root,
    logPath: join(dataDir, "gateway.log"),
    env: {
      LLM_GATEWAY_DATA_DIR: dataDir,
      LLM_GATEWAY_CONFIG: configPath,
      LLM_GATEWAY_LOG_LEVEL: "warn",
      // No provider answers: the chat is measured up to the budget hold and the failed route.
      OPENAI_API_KEY: "sk-unused",
      OPENAI_BASE_URL: "http://127.0.0.1:9",
    },
  });
  try {
    // Load the tokenizer first, so the first scenario does not also pay for that.
    await (await countTokensCall("warm up")(gateway.url)).arrayBuffer();
    console.log(`build: ${root}`);
    for (const scenario of scenarios) {
      const result = await measure(gateway.url, scenario);
      console.log(
        `${scenario.name}: request ${Math.round(result.took)} ms (status ${result.status}); /health worst ${result.worst.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms, ${result.failures} failed`,
      );
    }
  } finally {
    await gateway.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
