import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  CountTokensCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { Hash } from "@smithy/hash-node";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { SignatureV4 } from "@smithy/signature-v4";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createFakeBedrock, type FakeBedrock, fakeBedrockIdentity } from "./fake-bedrock.js";

/**
 * The fake is trusted because AWS's own SDK talks to it: it signs with SigV4
 * (the fake recomputes the signature), reads Converse answers and decodes
 * ConverseStream's binary event stream, CRCs included, and the fake refuses
 * what Bedrock refuses with the exceptions the SDK knows by name.
 */
const modelId = "us.anthropic.claude-sonnet-4-20250514-v1:0";
const [plainKey, sessionKey] = fakeBedrockIdentity.accessKeys;

describe("fake Bedrock, read by @aws-sdk/client-bedrock-runtime", () => {
  let fake: FakeBedrock;
  const clientWith = (
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
    region = "us-east-1",
  ) =>
    // The SDK speaks HTTP/2 to Bedrock by default; Bedrock takes HTTP/1.1 too, which the fake serves.
    new BedrockRuntimeClient({
      region,
      endpoint: fake.baseUrl,
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler(),
    });
  beforeAll(async () => {
    fake = await createFakeBedrock();
  });
  afterEach(() => fake.server.reset());
  afterAll(async () => fake.close());

  it("Converse: a signed request answered with text, stop reason and usage", async () => {
    fake.enqueueChat(
      fake.replies.text("Hello from the fake", { inputTokens: 30, outputTokens: 5, cachedInputTokens: 10 }),
    );
    const answer = await clientWith(plainKey as NonNullable<typeof plainKey>).send(
      new ConverseCommand({
        modelId,
        system: [{ text: "Be brief." }],
        messages: [{ role: "user", content: [{ text: "Hi" }] }],
        inferenceConfig: { maxTokens: 100, temperature: 0.5 },
      }),
    );
    expect(answer.output?.message?.content?.[0]?.text).toBe("Hello from the fake");
    expect(answer.stopReason).toBe("end_turn");
    expect(answer.usage).toEqual({
      inputTokens: 20,
      outputTokens: 5,
      totalTokens: 35,
      cacheReadInputTokens: 10,
      cacheWriteInputTokens: 0,
    });
    expect(fake.chatCalls()[0]?.path).toBe("/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/converse");
  });

  it("Converse with a session token, and a tool call", async () => {
    fake.enqueueChat(fake.replies.toolCall("get_weather", '{"city":"Paris"}'));
    const answer = await clientWith(sessionKey as NonNullable<typeof sessionKey>).send(
      new ConverseCommand({
        modelId:
          "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-sonnet-4-20250514-v1:0",
        messages: [{ role: "user", content: [{ text: "Weather?" }] }],
        toolConfig: {
          tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }],
          toolChoice: { any: {} },
        },
      }),
    );
    expect(answer.stopReason).toBe("tool_use");
    expect(answer.output?.message?.content?.[0]?.toolUse).toEqual({
      toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
      name: "get_weather",
      input: { city: "Paris" },
    });
  });

  it("ConverseStream: the SDK decodes every frame, tool input deltas and metadata included", async () => {
    fake.enqueueChat(
      fake.replies.toolCall("get_weather", '{"city":"Paris"}', { inputTokens: 12, outputTokens: 4 }),
    );
    fake.enqueueChat(fake.replies.stream(["Hel", "lo"], { usage: { inputTokens: 8, outputTokens: 2 } }));
    const client = clientWith(plainKey as NonNullable<typeof plainKey>);
    const read = async (command: ConverseStreamCommand) => {
      const events: ConverseStreamOutput[] = [];
      const response = await client.send(command);
      for await (const event of response.stream ?? []) events.push(event);
      return events;
    };
    const messages = [{ role: "user" as const, content: [{ text: "Hi" }] }];
    const toolEvents = await read(
      new ConverseStreamCommand({
        modelId,
        messages,
        toolConfig: {
          tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: { type: "object" } } } }],
        },
      }),
    );
    expect(toolEvents.find((event) => event.contentBlockStart)?.contentBlockStart?.start?.toolUse).toEqual({
      toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
      name: "get_weather",
    });
    const input = toolEvents.map((event) => event.contentBlockDelta?.delta?.toolUse?.input ?? "").join("");
    expect(JSON.parse(input)).toEqual({ city: "Paris" });
    expect(toolEvents.find((event) => event.messageStop)?.messageStop?.stopReason).toBe("tool_use");

    const textEvents = await read(new ConverseStreamCommand({ modelId, messages }));
    expect(textEvents.map((event) => event.contentBlockDelta?.delta?.text ?? "").join("")).toBe("Hello");
    expect(textEvents.at(-1)?.metadata?.usage).toEqual({ inputTokens: 8, outputTokens: 2, totalTokens: 10 });
    expect(fake.chatCalls()[1]?.path).toMatch(/\/converse-stream$/);
  });

  it("CountTokens: a signed Converse input counted", async () => {
    const counted = await clientWith(plainKey as NonNullable<typeof plainKey>).send(
      new CountTokensCommand({
        modelId,
        input: {
          converse: {
            system: [{ text: "Be brief." }],
            messages: [{ role: "user", content: [{ text: "Hi" }] }],
          },
        },
      }),
    );
    expect(counted.inputTokens).toBeGreaterThan(0);
    expect(fake.countTokensCalls?.()[0]?.path).toBe(
      "/model/us.anthropic.claude-sonnet-4-20250514-v1%3A0/count-tokens",
    );
  });

  it("an exception mid-stream reaches the SDK as that exception", async () => {
    fake.enqueueChat(fake.streamException(["Par"], "throttlingException", "Too many tokens, please wait."));
    const response = await clientWith(plainKey as NonNullable<typeof plainKey>).send(
      new ConverseStreamCommand({ modelId, messages: [{ role: "user", content: [{ text: "Hi" }] }] }),
    );
    const texts: string[] = [];
    const failure = await (async () => {
      for await (const event of response.stream ?? []) texts.push(event.contentBlockDelta?.delta?.text ?? "");
    })().catch((error) => error);
    expect(texts.join("")).toBe("Par");
    expect(failure).toMatchObject({ name: "ThrottlingException", message: "Too many tokens, please wait." });
  });

  it("refuses a wrong secret, an unknown key, another region and no credentials, as Bedrock does", async () => {
    const request = new ConverseCommand({ modelId, messages: [{ role: "user", content: [{ text: "Hi" }] }] });
    const failureOf = (client: BedrockRuntimeClient) => client.send(request).catch((error) => error);
    const wrongSecret = await failureOf(
      clientWith({ accessKeyId: plainKey?.accessKeyId ?? "", secretAccessKey: "wrong-secret-0000" }),
    );
    expect(wrongSecret).toMatchObject({
      name: "InvalidSignatureException",
      $metadata: { httpStatusCode: 403 },
    });
    const unknownKey = await failureOf(
      clientWith({ accessKeyId: "AKIAUNKNOWN000000000", secretAccessKey: "x-secret-x" }),
    );
    expect(unknownKey).toMatchObject({
      name: "UnrecognizedClientException",
      $metadata: { httpStatusCode: 403 },
    });
    const otherRegion = await failureOf(clientWith(plainKey as NonNullable<typeof plainKey>, "eu-west-1"));
    expect(otherRegion).toMatchObject({ name: "InvalidSignatureException" });
    const unsigned = await fetch(`${fake.baseUrl}/model/${encodeURIComponent(modelId)}/converse`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "Hi" }] }] }),
    });
    expect(unsigned.status).toBe(403);
    expect(unsigned.headers.get("x-amzn-errortype")).toMatch(/^MissingAuthenticationTokenException:/);
  });

  it("refuses invalid bodies with a ValidationException the SDK names", async () => {
    const client = clientWith(plainKey as NonNullable<typeof plainKey>);
    const failureOf = (input: ConstructorParameters<typeof ConverseCommand>[0]) =>
      client.send(new ConverseCommand(input)).catch((error) => error);
    const empty = await failureOf({ modelId, messages: [] });
    expect(empty).toMatchObject({ name: "ValidationException", $metadata: { httpStatusCode: 400 } });
    const assistantFirst = await failureOf({
      modelId,
      messages: [{ role: "assistant", content: [{ text: "Hi" }] }],
    });
    expect(assistantFirst.message).toContain("must start with a user message");
    const notAlternating = await failureOf({
      modelId,
      messages: [
        { role: "user", content: [{ text: "Hi" }] },
        { role: "user", content: [{ text: "again" }] },
      ],
    });
    expect(notAlternating.message).toContain("must alternate between user and assistant");
    // An unknown field, in a body signed as the SDK signs (the SDK itself sends only known fields).
    const body = JSON.stringify({
      messages: [{ role: "user", content: [{ text: "Hi" }] }],
      temperature: 0.5,
    });
    const url = new URL(`${fake.baseUrl}/model/${encodeURIComponent(modelId)}/converse`);
    const signer = new SignatureV4({
      service: "bedrock",
      region: "us-east-1",
      credentials: plainKey as NonNullable<typeof plainKey>,
      sha256: Hash.bind(null, "sha256"),
    });
    const signed = await signer.sign({
      method: "POST",
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: url.pathname,
      query: {},
      headers: { host: url.host, "content-type": "application/json" },
      body,
    });
    const extra = await request(url, { method: "POST", headers: signed.headers, body });
    expect(extra.statusCode).toBe(400);
    expect(extra.headers["x-amzn-errortype"]).toMatch(/^ValidationException:/);
    expect(((await extra.body.json()) as { message: string }).message).toContain(
      "extraneous key [temperature]",
    );
  });

  it("scripted failures: 429 ThrottlingException, 503 ServiceUnavailableException", async () => {
    const client = clientWith(plainKey as NonNullable<typeof plainKey>);
    fake.enqueueChat(fake.replies.error(429, "Too many requests, please wait before trying again."));
    fake.enqueueChat(fake.replies.error(503, "Bedrock is unable to process your request."));
    const request = new ConverseCommand({ modelId, messages: [{ role: "user", content: [{ text: "Hi" }] }] });
    await expect(client.send(request)).rejects.toMatchObject({ name: "ThrottlingException" });
    await expect(client.send(request)).rejects.toMatchObject({ name: "ServiceUnavailableException" });
  });
});
