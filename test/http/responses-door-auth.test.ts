import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { openAiResponsesPath } from "../../src/fakes/openai/fake-openai-responses.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { apiKeysEnv, clientKeys, openAiClient, usageOf } from "../security/security-fixtures.js";

describe("the Responses door with client keys: bearer tokens as Codex and the SDK send them", () => {
  let harness: Harness;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(() => undefined).catch((error: unknown) => error);
  const responsesCalls = () => harness.fakes.openai.server.callsTo(openAiResponsesPath).length;

  beforeAll(async () => {
    harness = await startHarness({
      env: { LLM_GATEWAY_API_KEYS: apiKeysEnv, LLM_GATEWAY_MAX_RETRIES: "0" },
      configYaml: "budgets:\n  projects:\n    proj-b: { daily_usd: 0 }\n",
    });
  });
  afterEach(() => {
    for (const fake of Object.values(harness.fakes)) fake.server.reset();
  });
  afterAll(async () => harness.close());

  it("a project's key spends for its project only: booked there, 403 for another, 401 without a valid key", async () => {
    const response = await openAiClient(harness, clientKeys.projectA).responses.create({
      model: "gpt-4.1",
      input: "Hi",
    });
    expect(response.output_text).toBe("Hello from fake gpt-4.1");
    expect((await usageOf(harness, "proj-a")).requests).toBe(1);

    const foreign = await failureOf(
      openAiClient(harness, clientKeys.projectA, { "x-project-id": "proj-b" }).responses.create({
        model: "gpt-4.1",
        input: "Hi",
      }),
    );
    expect(foreign).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const unknown = await failureOf(
      openAiClient(harness, "ck-not-a-key").responses.create({ model: "gpt-4.1", input: "Hi" }),
    );
    expect(unknown).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((unknown as InstanceType<typeof OpenAI.AuthenticationError>).error).toMatchObject({
      type: expect.any(String),
      code: expect.stringMatching(/^GW_ERR_/),
    });
    expect(responsesCalls()).toBe(1);
    expect((await usageOf(harness, "proj-b")).requests).toBe(0);
  });

  it("a project out of budget is refused with a 429 before OpenAI is called, natively or not", async () => {
    const refused = await failureOf(
      openAiClient(harness, clientKeys.projectsAB, { "x-project-id": "proj-b" }).responses.create({
        model: "gpt-4.1",
        input: "Hi",
      }),
    );
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    expect(responsesCalls()).toBe(0);
  });
});
