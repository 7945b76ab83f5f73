import { existsSync } from "node:fs";
import OpenAI from "openai";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { demoBanner } from "./demo-banner.js";
import { type Demo, type DemoOptions, startDemo } from "./start-demo.js";

const silent = pino({ level: "silent" });

interface Status {
  groups: Array<{ name: string; models: Array<{ model: string; circuit: string }> }>;
  failovers: Array<{ path: Array<{ provider: string; outcome: string }>; answeredBy: string }>;
  circuitTransitions: Array<{ key: string; from: string; to: string }>;
}

describe("demo mode", () => {
  const running: Demo[] = [];
  const start = async (options: Partial<DemoOptions>) => {
    const demo = await startDemo({ port: 0, logger: silent, failures: false, traffic: false, ...options });
    running.push(demo);
    return demo;
  };
  const clientOf = (demo: Demo) =>
    new OpenAI({
      baseURL: `${demo.url}/v1`,
      apiKey: "unused",
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "demo-test", "x-agent-id": "tester" },
    });
  const statusOf = async (demo: Demo) => (await (await fetch(`${demo.url}/v1/status`)).json()) as Status;
  afterEach(async () => {
    await Promise.all(running.splice(0).map((demo) => demo.close()));
  });

  it("wires all five providers to their fakes, with fake keys even when real ones are passed", async () => {
    const demo = await start({
      env: { ANTHROPIC_API_KEY: "sk-ant-real-key", ANTHROPIC_BASE_URL: "https://x.test" },
    });
    const client = clientOf(demo);
    const answeredBy = async (model: string) =>
      (
        await client.chat.completions
          .create({ model, messages: [{ role: "user", content: "Hi" }] })
          .withResponse()
      ).response.headers.get("x-llm-gateway-provider");
    expect(await answeredBy("claude-opus-4-5")).toBe("anthropic");
    expect(await answeredBy("gpt-4.1")).toBe("openai");
    expect(await answeredBy("gemini-2.5-pro")).toBe("google");
    expect(await answeredBy("deepseek-coder")).toBe("deepseek");
    const embedding = await client.embeddings.create({ model: "voyage-3", input: "Hi" });
    expect(embedding.data[0]?.embedding.length).toBeGreaterThan(0);
    for (const fake of Object.values(demo.fakes)) {
      expect(fake.server.calls).toHaveLength(1);
    }
    expect(demo.fakes.anthropic.chatCalls()[0]?.headers["x-api-key"]).toBe("demo-fake-anthropic-key");
  });

  it("makes every 4th Anthropic call answer 529, each a failover shown at /v1/status", async () => {
    const demo = await start({ failures: { failEvery: 4 } });
    const client = clientOf(demo);
    const models: string[] = [];
    for (let index = 0; index < 8; index += 1) {
      const completion = await client.chat.completions.create({
        model: "reasoning",
        messages: [{ role: "user", content: "Hi" }],
      });
      models.push(completion.model);
    }
    expect(models.filter((model) => model === "gpt-4.1")).toHaveLength(2);
    expect(models[3]).toBe("gpt-4.1");
    const status = await statusOf(demo);
    expect(status.failovers).toHaveLength(2);
    expect(status.failovers[0]).toMatchObject({
      answeredBy: "openai/gpt-4.1",
      path: [
        { provider: "anthropic", outcome: "failed" },
        { provider: "openai", outcome: "success" },
      ],
    });
  });

  it("opens Anthropic's circuit during an outage, after 3 failures in a row", async () => {
    const demo = await start({
      failures: { failEvery: 0, outage: { periodMs: 60_000, durationMs: 60_000 } },
    });
    const client = clientOf(demo);
    for (let index = 0; index < 4; index += 1) {
      await client.chat.completions.create({
        model: "reasoning",
        messages: [{ role: "user", content: "Hi" }],
      });
    }
    const status = await statusOf(demo);
    const reasoning = status.groups.find((group) => group.name === "reasoning");
    expect(reasoning?.models[0]).toMatchObject({ model: "claude-opus-4-5", circuit: "open" });
    expect(status.circuitTransitions[0]).toMatchObject({
      key: "anthropic/claude-opus-4-5",
      from: "closed",
      to: "open",
    });
    // The open circuit costs the 4th request no call to Anthropic.
    expect(demo.fakes.anthropic.chatCalls()).toHaveLength(3);
  });

  it("sends background traffic for three projects; close() stops it all and deletes the data", async () => {
    const demo = await start({ traffic: { intervalMs: 5 } });
    const deadline = Date.now() + 10_000;
    let projects: string[] = [];
    while (projects.length < 3 && Date.now() < deadline) {
      projects = ((await (await fetch(`${demo.url}/v1/projects`)).json()) as { projects: string[] }).projects;
    }
    expect(projects).toEqual(["data-pipeline", "research", "web-shop"]);
    expect(demo.traffic?.counts.failed).toBe(0);
    const dataDir = demo.gateway.config.dataDir;
    expect(existsSync(dataDir)).toBe(true);
    await demo.close();
    const sentAtClose = demo.traffic?.counts.ok ?? 0;
    expect(sentAtClose).toBeGreaterThanOrEqual(3);
    expect(existsSync(dataDir)).toBe(false);
    await expect(fetch(`${demo.url}/health`)).rejects.toThrow();
    await expect(fetch(demo.fakes.openai.baseUrl)).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(demo.traffic?.counts.ok).toBe(sentAtClose);
  });

  it("prints commands for every MCP tool and door, and each one works as printed", async () => {
    const demo = await start({});
    const banner = demoBanner({
      url: demo.url,
      fakes: demo.fakes,
      failures: false,
      trafficIntervalMs: 1_500,
    });
    expect(banner).toContain(`${demo.url}/dashboard`);
    const { tools } = (await (await fetch(`${demo.url}/mcp/tools`)).json()) as {
      tools: Array<{ name: string }>;
    };
    const commands = banner
      .replaceAll("\\\n", "")
      .split("\n")
      .filter((line) => line.trim().startsWith("curl "));
    for (const tool of tools) {
      expect(commands.some((command) => command.includes(`"name":"${tool.name}"`))).toBe(true);
    }
    // The background chat_completion is the one command more than a command per tool and the 4 /v1 ones.
    expect(commands.length).toBe(tools.length + 5);
    let jobId: string | undefined;
    for (const printed of commands) {
      const command = jobId ? printed.replaceAll("JOB_ID", jobId) : printed;
      const url = /curl -s '?([^'\s]+)'?/.exec(command)?.[1] as string;
      const headers = Object.fromEntries(
        [...command.matchAll(/-H '([^:]+): ([^']+)'/g)].map((match) => [match[1], match[2]]),
      );
      const body = /-d '(.+)'$/.exec(command)?.[1];
      const response = await fetch(url, body ? { method: "POST", headers, body } : { headers });
      const text = await response.text();
      expect(response.status, command).toBe(200);
      expect(text, command).not.toContain('"isError":true');
      jobId ??= /\\?"job_id\\?":\\?"([A-Za-z0-9_-]+)/.exec(text)?.[1];
    }
    expect(jobId).toBeDefined();
  });
});
