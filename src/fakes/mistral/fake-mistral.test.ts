import { Mistral } from "@mistralai/mistralai";
import { HTTPValidationError, MistralError } from "@mistralai/mistralai/models/errors";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { FakeProvider } from "../fake-provider.js";
import { createFakeMistral } from "./fake-mistral.js";

/**
 * The official SDK pointed at the fake: it validates every response against
 * Mistral's schemas, so what it accepts is Mistral's wire format, and what the
 * fake refuses reaches it as Mistral's own errors.
 */

let fake: FakeProvider;
let client: Mistral;

beforeAll(async () => {
  fake = await createFakeMistral();
  client = new Mistral({ apiKey: "mistral-fake-key-0001-do-not-log", serverURL: fake.server.url });
});
afterAll(() => fake.close());
beforeEach(() => fake.server.reset());

const messages = [{ role: "user" as const, content: "Hello" }];

async function sdkError(promise: Promise<unknown>): Promise<MistralError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof MistralError) return error;
    throw error;
  }
  throw new Error("expected the SDK to throw");
}

describe("@mistralai/mistralai against the fake", () => {
  it("accepts a non-streamed answer, and sends the key as a bearer token", async () => {
    const response = await client.chat.complete({ model: "mistral-small-latest", messages });
    expect(response.model).toBe("mistral-small-latest");
    expect(response.choices[0]?.message?.content).toBe("Hello from fake mistral-small-latest");
    expect(response.choices[0]?.finishReason).toBe("stop");
    expect(response.usage.promptTokens).toBeGreaterThan(0);
    expect(response.usage.completionTokens).toBeGreaterThan(0);
    expect(fake.chatCalls()[0]?.headers.authorization).toBe("Bearer mistral-fake-key-0001-do-not-log");
  });

  it("accepts a stream whose last chunk carries usage", async () => {
    fake.enqueueChat(
      fake.replies.stream(["Bonjour", " le", " monde"], { usage: { inputTokens: 9, outputTokens: 3 } }),
    );
    const stream = await client.chat.stream({ model: "mistral-small-latest", messages });
    let text = "";
    let usage: { promptTokens?: number; completionTokens?: number } | undefined;
    const finishes: Array<string | null> = [];
    for await (const event of stream) {
      const choice = event.data.choices[0];
      if (typeof choice?.delta.content === "string") text += choice.delta.content;
      if (choice?.finishReason) finishes.push(choice.finishReason);
      if (event.data.usage) usage = event.data.usage;
    }
    expect(text).toBe("Bonjour le monde");
    expect(finishes).toEqual(["stop"]);
    expect(usage).toMatchObject({ promptTokens: 9, completionTokens: 3 });
  });

  it("accepts a tool call with Mistral's nine-character id", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const response = await client.chat.complete({
      model: "mistral-small-latest",
      messages,
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather of a city",
            parameters: { type: "object", properties: { city: { type: "string" } } },
          },
        },
      ],
    });
    const [toolCall] = response.choices[0]?.message?.toolCalls ?? [];
    expect(toolCall?.id).toMatch(/^[A-Za-z0-9]{9}$/);
    expect(toolCall?.function.name).toBe("get_weather");
    expect(toolCall?.function.arguments).toBe('{"city":"Paris"}');
    expect(response.choices[0]?.finishReason).toBe("tool_calls");
  });

  it("accepts embeddings of mistral-embed", async () => {
    const response = await client.embeddings.create({ model: "mistral-embed", inputs: ["one", "two"] });
    expect(response.data).toHaveLength(2);
    expect(response.data[0]?.embedding).toHaveLength(1024);
    expect(response.usage.promptTokens).toBeGreaterThan(0);
  });

  it("reads the fake's refusals as Mistral's errors", async () => {
    fake.enqueueChat(fake.replies.error(429, "Requests rate limit exceeded", { retryAfterSeconds: 2 }));
    const limited = await sdkError(client.chat.complete({ model: "mistral-small-latest", messages }));
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain("Requests rate limit exceeded");

    // A field Mistral does not define: the SDK sends it through `http` extras only, so post it raw.
    const unknownField = await fetch(`${fake.baseUrl}/chat/completions`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: "Bearer mistral-fake-key-0001-do-not-log",
      },
      body: JSON.stringify({ model: "mistral-small-latest", messages, logit_bias: { "1": 2 } }),
    });
    expect(unknownField.status).toBe(422);

    const anonymous = new Mistral({ apiKey: "", serverURL: fake.server.url });
    const unauthorized = await sdkError(anonymous.chat.complete({ model: "mistral-small-latest", messages }));
    expect(unauthorized.statusCode).toBe(401);
  });

  it("gives the SDK a 422 body it reads as an HTTPValidationError", async () => {
    const error = await sdkError(
      client.chat.complete({ model: "mistral-small-latest", messages: [], maxTokens: -1 }),
    ).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(HTTPValidationError);
  });
});
