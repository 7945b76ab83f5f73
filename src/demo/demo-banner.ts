import type { FailureScheduleOptions } from "./failure-schedule.js";
import type { FakeProviders } from "./start-fake-providers.js";

export interface DemoBannerInput {
  url: string;
  fakes: FakeProviders;
  failures: FailureScheduleOptions | false;
  trafficIntervalMs: number | undefined;
}

/** What `npm run demo` prints: where everything is, and a command for every tool and door. */
export function demoBanner({ url, fakes, failures, trafficIntervalMs }: DemoBannerInput): string {
  const who = `-H 'x-project-id: my-project' -H 'x-agent-id: me'`;
  const json = `-H 'content-type: application/json'`;
  const mcp = (tool: string, args: Record<string, unknown>) =>
    `curl -s ${url}/mcp ${json} -H 'accept: application/json, text/event-stream' \\\n    -d '${JSON.stringify(
      {
        jsonrpc: "2.0",
        id: 1,
        method: "tools/call",
        params: { name: tool, arguments: { project_id: "my-project", agent_id: "me", ...args } },
      },
    )}'`;
  const lines = [
    "",
    "llm-gateway demo: five fake providers on loopback and a gateway wired to them.",
    "No real provider key, nothing leaves this machine; usage goes to a temporary data dir.",
    "",
    `  Dashboard    ${url}/dashboard`,
    `  MCP          ${url}/mcp   (tool list: ${url}/mcp/tools)`,
    `  OpenAI API   ${url}/v1`,
    `  Metrics      ${url}/metrics`,
    "",
    `Fake providers: ${Object.entries(fakes)
      .map(([name, fake]) => `${name} ${fake.baseUrl}`)
      .join(", ")}`,
    failures
      ? `Failures: the fake Anthropic answers 529 Overloaded to every ${ordinal(failures.failEvery)} call` +
        (failures.outage
          ? `, and to every call for ${failures.outage.durationMs / 1000} s of every ${failures.outage.periodMs / 1000} s`
          : "") +
        ".\n  Requests fail over down their group's chain; after 3 failures in a row a circuit opens for 20 s."
      : "Failures: none scripted.",
    trafficIntervalMs === undefined
      ? "Background traffic: off."
      : `Background traffic: one request every ${trafficIntervalMs / 1000} s for projects web-shop, data-pipeline and research (--no-traffic turns it off).`,
    "",
    "Try the OpenAI-compatible door:",
    `  curl -s ${url}/v1/chat/completions ${json} ${who} \\\n    -d '{"model":"reasoning","messages":[{"role":"user","content":"Hello"}]}'`,
    `  curl -s ${url}/v1/embeddings ${json} ${who} -d '{"model":"embedding","input":"Hello"}'`,
    `  curl -s ${url}/v1/models`,
    `  curl -s '${url}/v1/usage?project_id=my-project&period=day'`,
    "",
    "The openai SDK (npm install openai), in an ES module:",
    `  import OpenAI from "openai";`,
    `  const client = new OpenAI({ baseURL: "${url}/v1", apiKey: "unused", defaultHeaders: { "x-project-id": "my-project" } });`,
    `  console.log((await client.chat.completions.create({ model: "fast", messages: [{ role: "user", content: "Hi" }] })).choices[0].message);`,
    "",
    "Every MCP tool over HTTP (or point an MCP client at the MCP URL above):",
    `  ${mcp("chat_completion", { messages: [{ role: "user", content: "Hello" }], model_group: "reasoning" })}`,
    `  ${mcp("count_tokens", { text: "How many tokens is this?", model: "gpt-4.1" })}`,
    `  ${mcp("list_models", {})}`,
    `  ${mcp("create_embeddings", { input: ["one", "two"] })}`,
    `  ${mcp("get_usage", { period: "day" })}`,
    `  ${mcp("list_conversations", {})}`,
    "A background call, then its job (put the job_id it answers in place of JOB_ID):",
    `  ${mcp("chat_completion", { messages: [{ role: "user", content: "Hello" }], model_group: "fast", background: true })}`,
    `  ${mcp("get_job", { job_id: "JOB_ID", wait_seconds: 10 })}`,
    `  ${mcp("cancel_job", { job_id: "JOB_ID" })}`,
    "",
    "Ctrl-C stops the demo and deletes its data.",
    "",
  ];
  return lines.join("\n");
}

function ordinal(n: number): string {
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : ({ 1: "st", 2: "nd", 3: "rd" }[n % 10] ?? "th");
  return `${n}${suffix}`;
}
