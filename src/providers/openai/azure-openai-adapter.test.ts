import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { AzureProviderSettings } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { azureContentFilterError, createFakeAzureOpenAi } from "../../fakes/azure/fake-azure-openai.js";
import type { FakeProvider } from "../../fakes/fake-provider.js";
import { collectChunks, streamedText, testModel, testSettings } from "./__fixtures__/openai-fixtures.js";
import { createAzureOpenAiAdapter } from "./azure-openai-adapter.js";

const apiKey = "azure-unit-key-0123456789";
const entraToken = "azure-unit-entra-token-0123456789";
const model = testModel({ name: "azure-gpt-4o", provider: "azure", providerModelId: "gpt-4o" });
const hello = { messages: [{ role: "user" as const, content: "Say hello" }] };
const signal = () => ({ signal: new AbortController().signal });

let fake: FakeProvider;
const adapter = (azure: Partial<AzureProviderSettings> = {}, key = apiKey) =>
  createAzureOpenAiAdapter(
    testSettings(fake.baseUrl, {
      name: "azure",
      kind: "azure",
      apiKey: key,
      azure: { apiVersion: "2024-10-21", credential: "api-key", ...azure },
    }),
  );

beforeAll(async () => {
  fake = await createFakeAzureOpenAi({ credentials: { apiKey, entraToken } });
});
afterEach(() => fake.server.reset());
afterAll(() => fake.close());

const chunk = (body: Record<string, unknown>) => ({ data: JSON.stringify(body) });

describe("azure openai adapter", () => {
  it("reads a stream whose filter chunks have no delta, ending with content_filter", async () => {
    const id = "chatcmpl-azure1";
    const base = { id, object: "chat.completion.chunk", created: 1_700_000_000, model: "gpt-4o-2024-11-20" };
    fake.enqueueChat({
      type: "sse",
      events: [
        chunk({ choices: [], created: 0, id: "", model: "", object: "", prompt_filter_results: [] }),
        chunk({
          ...base,
          choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }],
        }),
        chunk({ ...base, choices: [{ index: 0, delta: { content: "Part" }, finish_reason: null }] }),
        // Asynchronous filtering's annotation: no delta, offsets instead (learn.microsoft.com content filter streaming).
        chunk({
          id: "",
          object: "",
          created: 0,
          model: "",
          choices: [
            {
              index: 0,
              finish_reason: null,
              content_filter_results: { violence: { filtered: true, severity: "medium" } },
              content_filter_offsets: { check_offset: 4, start_offset: 4, end_offset: 10 },
            },
          ],
        }),
        chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "content_filter" }] }),
        chunk({ ...base, choices: [], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } }),
        { data: "[DONE]" },
      ],
    });
    const chunks = await collectChunks(await adapter().streamChat(model, hello, signal()));
    expect(streamedText(chunks)).toBe("Part");
    expect(new Set(chunks.map((c) => c.id))).toEqual(new Set([id]));
    expect(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean)).toEqual(["content_filter"]);
    expect(chunks.at(-1)?.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 1 });
  });

  it("a non-streamed answer filtered by Azure ends with content_filter", async () => {
    fake.enqueueChat({
      type: "json",
      body: {
        id: "chatcmpl-azure2",
        object: "chat.completion",
        created: 1_700_000_000,
        model: "gpt-4o-2024-11-20",
        prompt_filter_results: [],
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: null },
            finish_reason: "content_filter",
            content_filter_results: { sexual: { filtered: true, severity: "high" } },
          },
        ],
        usage: { prompt_tokens: 5, completion_tokens: 0, total_tokens: 5 },
      },
    });
    const completion = await adapter().chat(model, hello, signal());
    expect(completion.choices[0]?.finish_reason).toBe("content_filter");
  });

  it("the content filter's 400 is a request error naming the category, not retryable", async () => {
    fake.enqueueChat(azureContentFilterError("self_harm", "high"));
    const failure = await adapter()
      .chat(model, hello, signal())
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ kind: "request", isRetryable: false, status: 400 });
    expect((failure as Error).message).toContain("self_harm filtered at severity high");
  });

  it("a 429 fails over with Azure's retry-after; a wrong key is a 401 without the key in it", async () => {
    fake.enqueueChat(fake.replies.error(429, "Please retry after 6 seconds.", { retryAfterSeconds: 6 }));
    const limited = await adapter()
      .chat(model, hello, signal())
      .catch((error: unknown) => error);
    expect(limited).toMatchObject({ kind: "rate_limited", isRetryable: true, retryAfterMs: 6000 });

    const denied = await adapter({}, "azure-wrong-key-0123456789")
      .chat(model, hello, signal())
      .catch((error: unknown) => error);
    expect(denied).toMatchObject({ status: 401, isRetryable: true });
    expect(JSON.stringify(denied) + String(denied)).not.toContain("azure-wrong-key-0123456789");
  });

  it("an unknown deployment is a 404 DeploymentNotFound that fails over", async () => {
    const missing = await adapter()
      .chat({ ...model, providerModelId: "no-such-deployment" }, hello, signal())
      .catch((error: unknown) => error);
    expect(missing).toMatchObject({ status: 404, isRetryable: true });
    expect((missing as Error).message).toContain("deployment for this resource does not exist");
  });

  it("sends developer messages as system before 2024-12-01, as developer with v1", async () => {
    const request = {
      messages: [
        { role: "developer" as const, content: "Be brief." },
        { role: "user" as const, content: "Hi" },
      ],
    };
    await adapter().chat(model, request, signal());
    await adapter({ apiVersion: "v1" }).chat(model, request, signal());
    const [dated, v1] = fake.chatCalls().map((call) => call.body as { messages: Array<{ role: string }> });
    expect(dated?.messages[0]?.role).toBe("system");
    expect(v1?.messages[0]?.role).toBe("developer");
  });

  it("embeds on the deployment path with an Entra ID token", async () => {
    const embedder = adapter({ credential: "entra-token" }, entraToken);
    const result = await embedder.embed?.(
      { ...model, kind: "embedding", providerModelId: "text-embedding-3-large" },
      { input: ["a", "b"] },
      signal(),
    );
    expect(result?.embeddings).toHaveLength(2);
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/openai/deployments/text-embedding-3-large/embeddings");
    expect(call?.headers.authorization).toBe(`Bearer ${entraToken}`);
  });
});
