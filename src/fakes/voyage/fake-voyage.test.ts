import { readFileSync } from "node:fs";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { createFakeVoyage, voyageEmbeddingsReply } from "./fake-voyage.js";

// No official Voyage JS SDK is installed: the fake is held to the response
// documented at docs.voyageai.com/reference/embeddings-api instead.
const documented = JSON.parse(
  readFileSync(
    new URL("../../providers/voyage/__fixtures__/voyage-embeddings.json", import.meta.url),
    "utf8",
  ),
);

/** The structure of a JSON value: key names and value types, arrays by their first element. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [shapeOf(value[0])];
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item)]));
  }
  return typeof value;
}

interface EmbeddingsBody {
  data: Array<{ embedding: number[]; index: number }>;
}

let fake: FakeProvider;
beforeAll(async () => {
  fake = await createFakeVoyage();
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

function post(path: string, body: unknown): Promise<Response> {
  return fetch(`${fake.baseUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer test-voyage-key" },
    body: JSON.stringify(body),
  });
}

describe("fake Voyage", () => {
  it("answers the documented request with the documented response shape", async () => {
    const response = await post("/embeddings", {
      input: ["Sample text 1", "Sample text 2"],
      model: "voyage-3",
    });

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const body = (await response.json()) as EmbeddingsBody;
    expect(shapeOf(body)).toEqual(shapeOf(documented));
    expect(body).toMatchObject({ object: "list", model: "voyage-3", usage: { total_tokens: 8 } });
    expect(body.data.map((item) => item.index)).toEqual([0, 1]);
    expect(body.data[0]?.embedding).toHaveLength(1024);
    const [call] = fake.embeddingCalls?.() ?? [];
    expect(call?.path).toBe("/v1/embeddings");
    expect(call?.headers.authorization).toBe("Bearer test-voyage-key");
  });

  it("embeds a single string input, honours output_dimension and repeats itself for the same text", async () => {
    const embed = async () =>
      (await (
        await post("/embeddings", { input: "hello", model: "voyage-3", output_dimension: 256 })
      ).json()) as EmbeddingsBody;

    const first = await embed();
    const second = await embed();

    expect(first.data).toHaveLength(1);
    expect(first.data[0]?.embedding).toHaveLength(256);
    expect(second.data[0]?.embedding).toEqual(first.data[0]?.embedding);
  });

  it("answers a body without input or model with a 400 detail", async () => {
    const response = await post("/embeddings", { model: "voyage-3" });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ detail: expect.stringContaining("'input'") });
  });

  it("serves scripted embeddings and errors in Voyage's envelope", async () => {
    fake.enqueueEmbeddings?.(
      voyageEmbeddingsReply([[0.1, 0.2]], { totalTokens: 3 }),
      fake.replies.error(429, "Rate limit exceeded.", { retryAfterSeconds: 5 }),
    );

    const ok = await post("/embeddings", { input: ["x"], model: "voyage-3" });
    const limited = await post("/embeddings", { input: ["x"], model: "voyage-3" });

    expect(shapeOf(await ok.json())).toEqual(shapeOf(documented));
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("5");
    expect(await limited.json()).toEqual({ detail: "Rate limit exceeded." });
  });

  it("has no chat: the chat route and every chat reply answer 404", async () => {
    fake.enqueueChat(fake.replies.text("hi"), fake.replies.stream(["hi"]));

    for (let attempt = 0; attempt < 3; attempt++) {
      const response = await post("/chat/completions", { model: "voyage-3", messages: [] });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual({ detail: "Not Found" });
    }
    expect(fake.chatCalls()).toHaveLength(3);
  });
});
