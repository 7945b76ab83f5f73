import { Client, StreamableHTTPClientTransport } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

const toolNames = [
  "cancel_job",
  "chat_completion",
  "count_tokens",
  "create_embeddings",
  "get_job",
  "get_usage",
  "list_conversations",
  "list_models",
];
const caller = { project_id: "proj-mcp", agent_id: "agent-1" };

async function connect(url: string, era: "legacy" | "modern"): Promise<Client> {
  const client = new Client(
    { name: "door-test", version: "1.0.0" },
    era === "modern" ? { versionNegotiation: { mode: { pin: "2026-07-28" } } } : {},
  );
  await client.connect(new StreamableHTTPClientTransport(new URL("/mcp", url)));
  return client;
}

describe("MCP over Streamable HTTP", () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ providers: ["anthropic", "openai"] });
  });
  afterAll(async () => harness.close());

  for (const era of ["legacy", "modern"] as const) {
    describe(`${era} client`, () => {
      it("lists the tools with schemas and read-only annotations", async () => {
        const client = await connect(harness.url, era);
        const { tools } = await client.listTools();
        expect(tools.map((tool) => tool.name).sort()).toEqual(toolNames);
        for (const tool of tools) {
          expect(tool.inputSchema.properties).toHaveProperty("project_id");
          expect(tool.outputSchema?.type).toBe("object");
        }
        const readOnly = Object.fromEntries(tools.map((tool) => [tool.name, tool.annotations?.readOnlyHint]));
        expect(readOnly).toEqual({
          cancel_job: false,
          chat_completion: false,
          count_tokens: true,
          create_embeddings: false,
          get_job: true,
          get_usage: true,
          list_conversations: true,
          list_models: true,
        });
        await client.close();
      });

      it("counts tokens exactly for gpt-4", async () => {
        const client = await connect(harness.url, era);
        const result = await client.callTool({
          name: "count_tokens",
          arguments: { ...caller, text: "Hello, world!", model: "gpt-4" },
        });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toEqual({
          tokens: 4,
          model: "gpt-4",
          encoding: "cl100k_base",
          exact: true,
        });
        await client.close();
      });

      it("counts a Claude model with Anthropic's own endpoint, exactly", async () => {
        const client = await connect(harness.url, era);
        const before = harness.fakes.anthropic.countTokensCalls?.().length ?? 0;
        const result = await client.callTool({
          name: "count_tokens",
          arguments: { ...caller, messages: [{ role: "user", content: "Bonjour!" }], model: "claude-haiku" },
        });
        expect(result.isError).toBeFalsy();
        expect(result.structuredContent).toMatchObject({
          model: "claude-haiku",
          encoding: "provider:anthropic",
          exact: true,
        });
        expect(harness.fakes.anthropic.countTokensCalls?.()).toHaveLength(before + 1);
        await client.close();
      });

      it("lists every group's chain with availability and circuit state", async () => {
        const client = await connect(harness.url, era);
        const result = await client.callTool({ name: "list_models", arguments: caller });
        const groups = (
          result.structuredContent as {
            groups: Array<{ name: string; models: Array<Record<string, unknown>> }>;
          }
        ).groups;
        expect(groups.map((group) => group.name)).toEqual([
          "reasoning",
          "code",
          "fast",
          "vision",
          "embedding",
        ]);
        const reasoning = groups[0]?.models ?? [];
        expect(reasoning).toEqual([
          expect.objectContaining({
            model: "claude-opus-4-5",
            provider: "anthropic",
            available: true,
            circuit: "closed",
          }),
          expect.objectContaining({ model: "gpt-4.1", provider: "openai", available: true }),
          // No GOOGLE_API_KEY in this harness.
          expect.objectContaining({ model: "gemini-2.5-pro", provider: "google", available: false }),
        ]);
        expect(reasoning[0]).toMatchObject({
          context_window: 200_000,
          max_output_tokens: 64_000,
          price_per_mtok: { input: 5, output: 25, cached_input: 0.5 },
        });
        await client.close();
      });
    });
  }

  it("answers a tool argument of the wrong type with an isError result naming the field", async () => {
    const client = await connect(harness.url, "legacy");
    const result = await client.callTool({ name: "count_tokens", arguments: { ...caller, text: 42 } });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain("text");
    const badProject = await client.callTool({
      name: "list_models",
      arguments: { project_id: "has space", agent_id: "a" },
    });
    expect(badProject.isError).toBe(true);
    expect(JSON.stringify(badProject.content)).toContain("project_id");
    await client.close();
  });

  it("answers an unknown model group with an isError result listing the groups", async () => {
    const client = await connect(harness.url, "legacy");
    const result = await client.callTool({
      name: "list_models",
      arguments: { ...caller, model_group: "nope" },
    });
    expect(result.isError).toBe(true);
    expect(JSON.stringify(result.content)).toContain(
      "Known groups: reasoning, code, fast, vision, embedding",
    );
    await client.close();
  });

  it("GET /mcp/tools returns the same tools as tools/list", async () => {
    const client = await connect(harness.url, "legacy");
    const { tools } = await client.listTools();
    const response = await fetch(new URL("/mcp/tools", harness.url));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tools });
    await client.close();
  });

  it("GET /health answers with the store and providers", async () => {
    const response = await fetch(new URL("/health", harness.url));
    expect(response.status).toBe(200);
    expect(response.headers.get("x-request-id")).toBeTruthy();
    const health = (await response.json()) as { version: unknown; uptime_s: unknown };
    expect(health).toMatchObject({
      status: "ok",
      store: { backend: "sqlite", ok: true },
      providers: {
        anthropic: { configured: true, circuits: { "claude-opus-4-5": "closed" } },
        google: { configured: false },
      },
    });
    expect(typeof health.version).toBe("string");
    expect(typeof health.uptime_s).toBe("number");
  });
});
