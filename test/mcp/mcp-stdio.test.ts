import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/client";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/client/stdio";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeOpenAi } from "../../src/fakes/openai/fake-openai.js";

/** The built entry point, as `llm-gateway --stdio` runs it (npm test builds before testing). */
const mainJs = new URL("../../dist/main.js", import.meta.url).pathname;

describe("llm-gateway --stdio", () => {
  let openai: FakeProvider;
  let dataDir: string;
  beforeAll(async () => {
    openai = await createFakeOpenAi();
    dataDir = mkdtempSync(join(tmpdir(), "llmgw-stdio-"));
  });
  afterAll(async () => {
    await openai.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `llm-gateway --stdio` as a child process on the shared data dir, wired to the fake OpenAI. */
  const connectStdio = async (
    options: { env?: Record<string, string>; era?: "legacy" | "auto" } = {},
  ): Promise<Client> => {
    const client = new Client(
      { name: "stdio-test", version: "1.0.0" },
      options.era ? { versionNegotiation: { mode: options.era } } : {},
    );
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [mainJs, "--stdio"],
        env: {
          ...getDefaultEnvironment(),
          LLM_GATEWAY_DATA_DIR: dataDir,
          OPENAI_API_KEY: "sk-stdio-test",
          OPENAI_BASE_URL: openai.baseUrl,
          ...options.env,
        },
        stderr: "pipe",
      }),
    );
    return client;
  };

  for (const era of ["legacy", "auto"] as const) {
    it(`serves the same tools to a ${era} client over stdio`, async () => {
      const client = await connectStdio({ era });
      const { tools } = await client.listTools();
      expect(tools.map((tool) => tool.name).sort()).toEqual([
        "cancel_job",
        "chat_completion",
        "count_tokens",
        "create_embeddings",
        "get_job",
        "get_usage",
        "list_conversations",
        "list_models",
      ]);
      const counted = await client.callTool({
        name: "count_tokens",
        arguments: { project_id: "p", agent_id: "a", text: "Hello, world!" },
      });
      expect(counted.structuredContent).toEqual({
        tokens: 4,
        model: "gpt-4",
        encoding: "cl100k_base",
        exact: true,
      });
      await client.close();
    });
  }

  it("continues a conversation in a second stdio process on the same data dir", async () => {
    const ask = (client: Client, content: string, conversationId?: string) =>
      client.callTool({
        name: "chat_completion",
        arguments: {
          project_id: "p",
          agent_id: "a",
          model: "gpt-4.1",
          messages: [{ role: "user", content }],
          ...(conversationId ? { conversation_id: conversationId } : {}),
        },
      });
    openai.enqueueChat(openai.replies.text("First answer."), openai.replies.text("Second answer."));
    const first = await connectStdio();
    const opened = (await ask(first, "First question")).structuredContent as { conversation_id: string };
    await first.close();
    const second = await connectStdio();
    const continued = await ask(second, "Second question", opened.conversation_id);
    await second.close();
    expect(continued.isError).toBeFalsy();
    expect((openai.chatCalls().at(-1)?.body as { messages: unknown[] } | undefined)?.messages).toEqual([
      { role: "user", content: "First question" },
      { role: "assistant", content: "First answer." },
      { role: "user", content: "Second question" },
    ]);
  });

  it("finishes a call longer than the request timeout and reports progress on the way", async () => {
    const pieces = Array.from({ length: 15 }, (_, index) => `word${index} `);
    openai.enqueueChat(openai.replies.stream(pieces, { chunkDelayMs: 200 }));
    const client = await connectStdio({
      env: { LLM_GATEWAY_REQUEST_TIMEOUT_SECONDS: "1", LLM_GATEWAY_PROGRESS_INTERVAL_SECONDS: "1" },
    });
    const messages: string[] = [];
    const result = await client.callTool(
      {
        name: "chat_completion",
        arguments: {
          project_id: "p",
          agent_id: "a",
          model: "gpt-4.1-mini",
          messages: [{ role: "user", content: "Write slowly." }],
        },
      },
      { onprogress: (update) => messages.push(update.message ?? "") },
    );
    await client.close();
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ content: pieces.join("") });
    expect(messages[0]).toMatch(/^waiting for gpt-4\.1-mini \(openai\)/);
    expect(
      messages.filter((message) => / is answering \(\d+ s\): about \d+ tokens so far$/.test(message)).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it("runs a background call over stdio, and a process stopped mid-job leaves it lost for the next one", async () => {
    const caller = { project_id: "p", agent_id: "a" };
    const start = async (client: Client) =>
      (
        await client.callTool({
          name: "chat_completion",
          arguments: {
            ...caller,
            model: "gpt-4.1",
            messages: [{ role: "user", content: "Hi" }],
            background: true,
          },
        })
      ).structuredContent as { job_id: string };
    const first = await connectStdio();
    openai.enqueueChat(openai.replies.stream(["Done", " in the background."]));
    const quick = await start(first);
    const done = await first.callTool({
      name: "get_job",
      arguments: { ...caller, job_id: quick.job_id, wait_seconds: 20 },
    });
    expect(done.structuredContent).toMatchObject({ status: "succeeded", content: "Done in the background." });

    openai.enqueueChat(
      openai.replies.stream(
        Array.from({ length: 100 }, () => "word "),
        { chunkDelayMs: 100 },
      ),
    );
    const slow = await start(first);
    await first.close();
    const second = await connectStdio();
    const lost = await second.callTool({ name: "get_job", arguments: { ...caller, job_id: slow.job_id } });
    await second.close();
    expect(lost.isError).toBe(true);
    expect(JSON.stringify(lost.content)).toContain(
      "GW_ERR_JOB_LOST: The gateway replica running this job shut down",
    );
  });
});
