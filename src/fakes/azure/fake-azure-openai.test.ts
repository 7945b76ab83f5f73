import { AzureOpenAI } from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { azureContentFilterError, azureFakeApiKey, createFakeAzureOpenAi } from "./fake-azure-openai.js";

const entraToken = "azure-fake-entra-token-0002-do-not-log";

/** The official SDK's AzureOpenAI client parses the fake, and the fake refuses what Azure refuses. */
describe("fake Azure OpenAI, read by the openai SDK's AzureOpenAI", () => {
  let fake: FakeProvider;
  let client: AzureOpenAI;
  beforeAll(async () => {
    fake = await createFakeAzureOpenAi({ credentials: { apiKey: azureFakeApiKey, entraToken } });
    client = new AzureOpenAI({
      endpoint: fake.baseUrl,
      apiKey: azureFakeApiKey,
      apiVersion: "2024-10-21",
      maxRetries: 0,
    });
  });
  afterEach(() => fake.server.reset());
  afterAll(() => fake.close());

  it("answers a chat on a deployment, with content filter results", async () => {
    const answer = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake gpt-4o");
    expect(answer).toHaveProperty("prompt_filter_results");
    const [call] = fake.chatCalls();
    expect(call?.path).toBe("/openai/deployments/gpt-4o/chat/completions");
    expect(call?.query.get("api-version")).toBe("2024-10-21");
    expect(call?.headers["api-key"]).toBe(azureFakeApiKey);
  });

  it("streams, opening with a chunk of prompt filter results and no choices", async () => {
    const stream = await client.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Say hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices).toEqual([]);
    expect(chunks[0]).toHaveProperty("prompt_filter_results");
    const text = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe("Hello from fake gpt-4o");
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
  });

  it("embeds on an embedding deployment, base64 as the SDK asks", async () => {
    const result = await client.embeddings.create({ model: "text-embedding-3-large", input: ["a", "b"] });
    expect(result.data).toHaveLength(2);
    expect(result.data[0]?.embedding).toHaveLength(3072);
    expect(fake.embeddingCalls?.()[0]?.path).toBe("/openai/deployments/text-embedding-3-large/embeddings");
  });

  it("takes a Microsoft Entra ID token as a bearer token", async () => {
    const withToken = new AzureOpenAI({
      endpoint: fake.baseUrl,
      azureADTokenProvider: async () => entraToken,
      apiVersion: "2024-10-21",
      maxRetries: 0,
    });
    const answer = await withToken.chat.completions.create({
      model: "gpt-4.1",
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(answer.choices[0]?.message.content).toBe("Hello from fake gpt-4.1");
  });

  it("refuses a wrong key (401), an unknown deployment (404) and an unknown api-version (400) in Azure's envelope", async () => {
    const wrongKey = new AzureOpenAI({
      endpoint: fake.baseUrl,
      apiKey: "not-the-key-000000",
      apiVersion: "2024-10-21",
      maxRetries: 0,
    });
    const messages = [{ role: "user" as const, content: "Hi" }];
    const denied = await wrongKey.chat.completions.create({ model: "gpt-4o", messages }).catch((e) => e);
    expect(denied).toMatchObject({ status: 401, code: "401" });
    expect(String(denied.message)).toContain("Access denied");

    const missing = await client.chat.completions.create({ model: "gpt-5-nope", messages }).catch((e) => e);
    expect(missing).toMatchObject({ status: 404, code: "DeploymentNotFound" });

    const oldSdk = new AzureOpenAI({
      endpoint: fake.baseUrl,
      apiKey: azureFakeApiKey,
      apiVersion: "2019-01-01",
      maxRetries: 0,
    });
    const badVersion = await oldSdk.chat.completions.create({ model: "gpt-4o", messages }).catch((e) => e);
    expect(badVersion).toMatchObject({ status: 400, code: "BadRequest" });
  });

  it("refuses a call without api-version (404) and arguments a dated version does not define (400)", async () => {
    const bare = await fetch(`${fake.baseUrl}/openai/deployments/gpt-4o/chat/completions`, {
      method: "POST",
      headers: { "api-key": azureFakeApiKey, "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(bare.status).toBe(404);
    expect(await bare.json()).toEqual({ error: { code: "404", message: "Resource not found" } });

    const june = new AzureOpenAI({
      endpoint: fake.baseUrl,
      apiKey: azureFakeApiKey,
      apiVersion: "2024-06-01",
      maxRetries: 0,
    });
    const refused = await june.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Hi" }],
        stream: true,
        stream_options: { include_usage: true },
      })
      .catch((e) => e);
    expect(refused).toMatchObject({ status: 400 });
    expect(String(refused.message)).toContain("Unrecognized request argument supplied: stream_options");
  });

  it("answers the Responses API at /openai/responses with a preview api-version, and refuses it on a dated one", async () => {
    const preview = new AzureOpenAI({
      endpoint: fake.baseUrl,
      apiKey: azureFakeApiKey,
      apiVersion: "2025-04-01-preview",
      maxRetries: 0,
    });
    const response = await preview.responses.create({ model: "gpt-4o", input: "Say hello" });
    expect(response.output_text).toContain("Hello");
    const [call] = fake.server.callsTo("/openai/responses");
    expect(call?.query.get("api-version")).toBe("2025-04-01-preview");
    const dated = await client.responses.create({ model: "gpt-4o", input: "Hi" }).catch((e) => e);
    expect(dated).toMatchObject({ status: 400, code: "BadRequest" });
  });

  it("scripts Azure's content filter refusal and a 429 with retry-after", async () => {
    fake.enqueueChat(
      azureContentFilterError("violence", "medium"),
      fake.replies.error(429, "Rate limit", { retryAfterSeconds: 6 }),
    );
    const messages = [{ role: "user" as const, content: "Hi" }];
    const filtered = await client.chat.completions.create({ model: "gpt-4o", messages }).catch((e) => e);
    expect(filtered).toMatchObject({ status: 400, code: "content_filter" });
    const limited = await client.chat.completions.create({ model: "gpt-4o", messages }).catch((e) => e);
    expect(limited).toMatchObject({ status: 429, code: "429" });
    expect(limited.headers.get("retry-after")).toBe("6");
  });
});
