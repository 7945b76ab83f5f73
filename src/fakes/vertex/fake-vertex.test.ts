import { AnthropicVertex } from "@anthropic-ai/vertex-sdk";
import { type GenerateContentResponse, GoogleGenAI } from "@google/genai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGoogleCloudAuth } from "../../providers/shared/google-cloud-auth.js";
import { createFakeVertex, type FakeVertex } from "./fake-vertex.js";

// The official SDKs in Vertex mode pointed at the fake, signing in with a
// service account whose token_uri is the fake's: what they accept, Vertex sends.
let fake: FakeVertex;
let gemini: GoogleGenAI;
let claude: AnthropicVertex;

beforeAll(async () => {
  fake = await createFakeVertex();
  const googleAuth = createGoogleCloudAuth(fake.account.credentialsFile);
  gemini = new GoogleGenAI({
    vertexai: true,
    project: fake.account.projectId,
    location: fake.location,
    googleAuthOptions: { authClient: await googleAuth.getClient() },
    httpOptions: { baseUrl: fake.baseUrl, apiVersion: "v1" },
  });
  claude = new AnthropicVertex({
    region: fake.location,
    projectId: fake.account.projectId,
    baseURL: `${fake.baseUrl}/v1`,
    googleAuth,
  });
});
afterAll(() => fake.close());

async function collect(stream: AsyncGenerator<GenerateContentResponse>): Promise<GenerateContentResponse[]> {
  const chunks: GenerateContentResponse[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

describe("fake Vertex AI through the official SDKs", () => {
  it("exchanges the service account's signed assertion for a token once, then reuses it", async () => {
    const before = fake.oauth.tokensIssued;
    await gemini.models.generateContent({ model: "gemini-2.5-flash", contents: "Say hello" });
    await gemini.models.generateContent({ model: "gemini-2.5-flash", contents: "Say hello" });
    expect(fake.oauth.tokensIssued - before).toBeLessThanOrEqual(1);
    expect(fake.oauth.tokensIssued).toBeGreaterThan(0);
  });

  it("answers Gemini's generateContent at the project's publisher model (@google/genai, vertexai)", async () => {
    const response = await gemini.models.generateContent({
      model: "gemini-2.5-flash",
      contents: "Say hello",
    });

    expect(response.text).toBe("Hello from fake gemini-2.5-flash");
    expect(response.usageMetadata?.promptTokenCount).toBeGreaterThan(0);
    const call = fake.calls("google").at(-1);
    expect(call?.path).toBe(
      `/v1/projects/${fake.account.projectId}/locations/${fake.location}/publishers/google/models/gemini-2.5-flash:generateContent`,
    );
    expect(call?.headers.authorization).toMatch(/^Bearer ya29\.fake-/);
  });

  it("streams Gemini with alt=sse", async () => {
    const chunks = await collect(
      await gemini.models.generateContentStream({ model: "gemini-2.5-pro", contents: "Say hello" }),
    );

    expect(chunks.map((chunk) => chunk.text ?? "").join("")).toBe("Hello from fake gemini-2.5-pro");
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe("STOP");
    expect(fake.calls("google").at(-1)?.query.get("alt")).toBe("sse");
  });

  it("counts Gemini tokens with the prompt bare, as Vertex takes it", async () => {
    const counted = await gemini.models.countTokens({ model: "gemini-2.5-flash", contents: "Say hello" });
    expect(counted.totalTokens).toBeGreaterThan(0);
  });

  it("embeds with predict on an embedding model, token counts included", async () => {
    const response = await gemini.models.embedContent({
      model: "text-embedding-005",
      contents: ["hello", "vertex"],
      config: { outputDimensionality: 64 },
    });
    expect(response.embeddings).toHaveLength(2);
    expect(response.embeddings?.[0]?.values).toHaveLength(64);
    expect(response.embeddings?.[0]?.statistics?.tokenCount).toBe(2);
    expect(fake.calls("google").at(-1)?.path).toMatch(/models\/text-embedding-005:predict$/);
  });

  it("answers Claude's rawPredict with Anthropic's message (@anthropic-ai/vertex-sdk)", async () => {
    const message = await claude.messages.create({
      model: "claude-sonnet-4@20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "Say hello" }],
    });

    expect(message.content).toEqual([{ type: "text", text: "Hello from fake claude-sonnet-4@20250514" }]);
    expect(message.usage.input_tokens).toBeGreaterThan(0);
    const call = fake.calls("anthropic").at(-1);
    expect(call?.path).toBe(
      `/v1/projects/${fake.account.projectId}/locations/${fake.location}/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict`,
    );
    // The SDK copies its `anthropic-version` header into the body; the gateway sends `vertex-2023-10-16`.
    expect(call?.body).toHaveProperty("anthropic_version");
    expect(call?.body).not.toHaveProperty("model");
  });

  it("streams Claude's streamRawPredict as Anthropic's events", async () => {
    const stream = claude.messages.stream({
      model: "claude-sonnet-4@20250514",
      max_tokens: 100,
      messages: [{ role: "user", content: "Say hello" }],
    });
    const message = await stream.finalMessage();

    expect(message.content).toEqual([{ type: "text", text: "Hello from fake claude-sonnet-4@20250514" }]);
    expect(message.stop_reason).toBe("end_turn");
    expect(fake.calls("anthropic").at(-1)?.path).toMatch(/:streamRawPredict$/);
  });

  it("counts Claude tokens at count-tokens:rawPredict", async () => {
    const counted = await claude.messages.countTokens({
      model: "claude-sonnet-4@20250514",
      messages: [{ role: "user", content: "Say hello" }],
    });
    expect(counted.input_tokens).toBeGreaterThan(0);
  });
});

describe("fake Vertex AI refuses what Vertex refuses", () => {
  const geminiPath = () =>
    `${fake.baseUrl}/v1/projects/${fake.account.projectId}/locations/${fake.location}/publishers/google/models/gemini-2.5-flash:generateContent`;
  const claudePath = () =>
    `${fake.baseUrl}/v1/projects/${fake.account.projectId}/locations/${fake.location}/publishers/anthropic/models/claude-sonnet-4@20250514:rawPredict`;
  const token = async () =>
    (await createGoogleCloudAuth(fake.account.credentialsFile).getAccessToken()) ?? "";
  const post = async (url: string, body: unknown, authorization?: string) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as unknown };
  };
  const geminiBody = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };
  const claudeBody = {
    anthropic_version: "vertex-2023-10-16",
    max_tokens: 10,
    messages: [{ role: "user", content: "hi" }],
  };

  it("401 in Google's envelope without a bearer token, or with one it did not issue", async () => {
    for (const authorization of [undefined, "Bearer ya29.not-issued-by-the-fake"]) {
      const answer = await post(geminiPath(), geminiBody, authorization);
      expect(answer.status).toBe(401);
      expect(answer.body).toMatchObject({ error: { code: 401, status: "UNAUTHENTICATED" } });
    }
  });

  it("404 for another project or location", async () => {
    const authorization = `Bearer ${await token()}`;
    const otherProject = geminiPath().replace(
      `/projects/${fake.account.projectId}/`,
      "/projects/other-project/",
    );
    const otherLocation = geminiPath().replace(`/locations/${fake.location}/`, "/locations/europe-west1/");
    for (const url of [otherProject, otherLocation]) {
      const answer = await post(url, geminiBody, authorization);
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ error: { code: 404, status: "NOT_FOUND" } });
    }
  });

  it("400 for Claude with `model` in the body or without anthropic_version", async () => {
    const authorization = `Bearer ${await token()}`;
    const { anthropic_version: _version, ...unversioned } = claudeBody;
    for (const body of [{ ...claudeBody, model: "claude-sonnet-4@20250514" }, unversioned]) {
      const answer = await post(claudePath(), body, authorization);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    }
    expect((await post(claudePath(), claudeBody, authorization)).status).toBe(200);
  });

  it("refuses a token request signed by another key", async () => {
    const response = await fetch(fake.tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer",
        assertion: "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2lnbmF0dXJl",
      }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_grant" });
  });
});
