import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type ChatParameterName, chatParameterNames } from "../../src/core/parameter-support.js";
import { azureFakeApiKey, createFakeAzureOpenAi } from "../../src/fakes/azure/fake-azure-openai.js";
import { createFakeBedrock, fakeBedrockIdentity } from "../../src/fakes/bedrock/fake-bedrock.js";
import type { FakeProvider } from "../../src/fakes/fake-provider.js";
import { createFakeMistral } from "../../src/fakes/mistral/fake-mistral.js";
import { openAiFlavor } from "../../src/fakes/openai/fake-openai.js";
import {
  createFakePresetHost,
  type FakePresetKind,
} from "../../src/fakes/openai/fake-openai-compatible-presets.js";
import { jsonModeRefusal } from "../../src/fakes/openai/openai-request-checks.js";
import { createOpenAiStyleFake } from "../../src/fakes/openai/openai-style-fake.js";
import { createFakeVertex, type FakeVertex } from "../../src/fakes/vertex/fake-vertex.js";
import { parameterSupportByKind } from "../../src/providers/parameter-support-by-kind.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";

type Kind = keyof typeof parameterSupportByKind;
type Body = Record<string, unknown>;

/** One catalog model per provider kind; `local-model` is a vLLM-like openai-compatible server. */
const modelOf: Record<Kind, string> = {
  openai: "gpt-4.1",
  "openai-compatible": "local-model",
  deepseek: "deepseek-coder",
  anthropic: "claude-sonnet-4",
  google: "gemini-flash",
  mistral: "mistral-small",
  bedrock: "claude-bedrock",
  azure: "azure-model",
  groq: "groq-llama",
  xai: "grok-2",
  openrouter: "openrouter-model",
  together: "together-model",
  fireworks: "fireworks-model",
  ollama: "ollama-model",
  vllm: "vllm-model",
  lmstudio: "lmstudio-model",
  vertex: "vertex-gemini-flash",
  "vertex-anthropic": "vertex-claude-sonnet-4",
};

const presetKinds: FakePresetKind[] = [
  "groq",
  "xai",
  "openrouter",
  "together",
  "fireworks",
  "ollama",
  "vllm",
  "lmstudio",
];

/** A parameter some models of a kind refuse goes to one that takes it (xAI's reasoning_effort). */
const modelFor = (kind: Kind, name: ChatParameterName): string => {
  if (kind === "openai" && name === "reasoning_effort") return "o3";
  if (kind === "xai" && name === "reasoning_effort") return "grok-3-mini";
  return modelOf[kind];
};

const weatherTool = {
  type: "function",
  function: {
    name: "get_weather",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

/** A value for every row that asks for something (not the API's default). */
const rowRequests: Record<ChatParameterName, Body> = {
  max_tokens: { max_tokens: 77 },
  temperature: { temperature: 0.3 },
  top_p: { top_p: 0.8 },
  stop: { stop: ["END"] },
  user: { user: "end-user-1" },
  tools: { tools: [weatherTool] },
  tool_choice: { tools: [weatherTool], tool_choice: "required" },
  response_format: { response_format: { type: "json_object" } },
  seed: { seed: 42 },
  frequency_penalty: { frequency_penalty: 0.5 },
  presence_penalty: { presence_penalty: 0.5 },
  logprobs: { logprobs: true },
  top_logprobs: { logprobs: true, top_logprobs: 3 },
  logit_bias: { logit_bias: { "50256": -100 } },
  parallel_tool_calls: { tools: [weatherTool], parallel_tool_calls: false },
  reasoning_effort: { reasoning_effort: "medium" },
  service_tier: { service_tier: "flex" },
  verbosity: { verbosity: "low" },
  prediction: { prediction: { type: "content", content: "Hello there" } },
  metadata: { metadata: { team: "search" } },
  store: { store: true },
  n: { n: 2 },
  modalities: { modalities: ["text", "audio"], audio: { voice: "alloy", format: "wav" } },
  audio: { audio: { voice: "alloy", format: "wav" } },
  web_search_options: { web_search_options: { search_context_size: "low" } },
  prompt_cache_key: { prompt_cache_key: "agent-a" },
  prompt_cache_retention: { prompt_cache_retention: "24h" },
  safety_identifier: { safety_identifier: "user-hash-1" },
  top_k: { top_k: 20 },
};

/** What the provider must receive for every row its table marks `translated`. */
const translations: Partial<Record<Kind, Partial<Record<ChatParameterName, Body>>>> = {
  openai: { max_tokens: { max_tokens: 77 } },
  azure: { max_tokens: { max_tokens: 77 } },
  mistral: { seed: { random_seed: 42 } },
  deepseek: { response_format: { response_format: { type: "json_object" } } },
  bedrock: {
    max_tokens: { inferenceConfig: { maxTokens: 77 } },
    temperature: { inferenceConfig: { temperature: 0.3 } },
    top_p: { inferenceConfig: { topP: 0.8 } },
    stop: { inferenceConfig: { stopSequences: ["END"] } },
    tools: {
      toolConfig: {
        tools: [
          { toolSpec: { name: "get_weather", inputSchema: { json: weatherTool.function.parameters } } },
        ],
      },
    },
    tool_choice: { toolConfig: { toolChoice: { any: {} } } },
    response_format: {
      toolConfig: {
        tools: [{ toolSpec: { name: "json_response" } }],
        toolChoice: { tool: { name: "json_response" } },
      },
    },
    reasoning_effort: {
      additionalModelRequestFields: { thinking: { type: "enabled", budget_tokens: 8192 } },
      inferenceConfig: { maxTokens: 64_000 },
    },
    top_k: { additionalModelRequestFields: { top_k: 20 } },
  },
  anthropic: {
    max_tokens: { max_tokens: 77 },
    temperature: { temperature: 0.3 },
    top_p: { top_p: 0.8 },
    stop: { stop_sequences: ["END"] },
    user: { metadata: { user_id: "end-user-1" } },
    tools: { tools: [{ name: "get_weather", input_schema: weatherTool.function.parameters }] },
    tool_choice: { tool_choice: { type: "any" } },
    response_format: {
      tools: [{ name: "json_response" }],
      tool_choice: { type: "tool", name: "json_response" },
    },
    parallel_tool_calls: { tool_choice: { type: "auto", disable_parallel_tool_use: true } },
    reasoning_effort: { thinking: { type: "enabled", budget_tokens: 8192 }, max_tokens: 64_000 },
  },
  google: {
    max_tokens: { generationConfig: { maxOutputTokens: 77 } },
    temperature: { generationConfig: { temperature: 0.3 } },
    top_p: { generationConfig: { topP: 0.8 } },
    stop: { generationConfig: { stopSequences: ["END"] } },
    tools: { tools: [{ functionDeclarations: [{ name: "get_weather" }] }] },
    tool_choice: { toolConfig: { functionCallingConfig: { mode: "ANY" } } },
    response_format: { generationConfig: { responseMimeType: "application/json" } },
    seed: { generationConfig: { seed: 42 } },
    logprobs: { generationConfig: { responseLogprobs: true } },
    top_logprobs: { generationConfig: { responseLogprobs: true, logprobs: 3 } },
    frequency_penalty: { generationConfig: { frequencyPenalty: 0.5 } },
    presence_penalty: { generationConfig: { presencePenalty: 0.5 } },
    reasoning_effort: { generationConfig: { thinkingConfig: { thinkingBudget: 8192 } } },
    top_k: { generationConfig: { topK: 20 } },
  },
};

// Vertex speaks the Gemini API's and Anthropic's bodies: the same translations.
translations.vertex = translations.google;
translations["vertex-anthropic"] = translations.anthropic;

const modelYaml = (name: string, provider: string, id: string, maxOutputTokens = 1000) => `
  ${name}:
    provider: ${provider}
    provider_model_id: ${id}
    context_window: 8000
    max_output_tokens: ${maxOutputTokens}
    price_per_mtok: { input: 0, output: 0 }`;

/** Claude on Bedrock writes up to 64k tokens, room for a thinking budget. */
const bedrockModelYaml = modelYaml(
  "claude-bedrock",
  "bedrock",
  "us.anthropic.claude-sonnet-4-20250514-v1:0",
  64_000,
);

/** The local server, Mistral, Bedrock, Azure, every preset and Vertex, each at its fake; preset keys come from their variables. */
const configYaml = (
  local: string,
  mistral: string,
  bedrock: string,
  azure: string,
  hosts: Record<FakePresetKind, FakeProvider>,
  vertex: FakeVertex,
) => `
providers:
  local-llm: { kind: openai-compatible, api_key: "", base_url: "${local}" }
  mistral: { kind: mistral, base_url: "${mistral}" }
  bedrock: { kind: bedrock, base_url: "${bedrock}", bedrock: { region: us-east-1 } }
  azure: { kind: azure, base_url: "${azure}" }
  vertex-gemini: { kind: vertex, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
  vertex-claude: { kind: vertex-anthropic, base_url: "${vertex.baseUrl}", location: ${vertex.location}, credentials_file: "${vertex.account.credentialsFile}" }
${presetKinds.map((kind) => `  ${kind}: { base_url: "${hosts[kind].baseUrl}" }`).join("\n")}
models:${modelYaml("vertex-gemini-flash", "vertex-gemini", "gemini-2.5-flash")}${modelYaml("vertex-claude-sonnet-4", "vertex-claude", "claude-sonnet-4@20250514", 64_000)}${modelYaml("local-model", "local-llm", "local")}${modelYaml("mistral-small", "mistral", "mistral-small-latest")}${bedrockModelYaml}${modelYaml("azure-model", "azure", "gpt-4o")}${modelYaml("grok-3-mini", "xai", "grok-3-mini")}${presetKinds
  .map((kind) => modelYaml(modelOf[kind], kind, kind === "xai" ? "grok-2-1212" : `${kind}-model-id`))
  .join("")}
`;

describe("every Chat Completions parameter, per provider, as its capability table says", () => {
  let harness: Harness;
  let client: OpenAI;
  let local: FakeProvider;
  let mistral: FakeProvider;
  let bedrock: FakeProvider;
  let azure: FakeProvider;
  let vertex: FakeVertex;
  let fakeOf: Record<Kind, FakeProvider>;
  beforeAll(async () => {
    // vLLM takes sampling extensions such as top_k; it still wants "json" in a JSON-mode prompt.
    local = await createOpenAiStyleFake({ ...openAiFlavor, refusalOf: jsonModeRefusal });
    mistral = await createFakeMistral();
    bedrock = await createFakeBedrock();
    azure = await createFakeAzureOpenAi();
    vertex = await createFakeVertex();
    const hosts = Object.fromEntries(
      await Promise.all(presetKinds.map(async (kind) => [kind, await createFakePresetHost(kind)] as const)),
    ) as Record<FakePresetKind, FakeProvider>;
    harness = await startHarness({
      configYaml: configYaml(local.baseUrl, mistral.baseUrl, bedrock.baseUrl, azure.baseUrl, hosts, vertex),
      env: {
        LLM_GATEWAY_MAX_RETRIES: "0",
        MISTRAL_API_KEY: "mistral-fake-key-params",
        AZURE_OPENAI_API_KEY: azureFakeApiKey,
        GROQ_API_KEY: "groq-fake-key-params",
        XAI_API_KEY: "xai-fake-key-params",
        OPENROUTER_API_KEY: "openrouter-fake-key-params",
        TOGETHER_API_KEY: "together-fake-key-params",
        FIREWORKS_API_KEY: "fireworks-fake-key-params",
        AWS_ACCESS_KEY_ID: fakeBedrockIdentity.accessKeys[0]?.accessKeyId ?? "",
        AWS_SECRET_ACCESS_KEY: fakeBedrockIdentity.accessKeys[0]?.secretAccessKey ?? "",
      },
    });
    fakeOf = {
      openai: harness.fakes.openai,
      "openai-compatible": local,
      deepseek: harness.fakes.deepseek,
      anthropic: harness.fakes.anthropic,
      google: harness.fakes.google,
      mistral,
      bedrock,
      azure,
      ...hosts,
      vertex: vertex.gemini,
      "vertex-anthropic": vertex.claude,
    };
    client = new OpenAI({
      apiKey: "unused-without-client-keys",
      baseURL: `${harness.url}/v1`,
      maxRetries: 0,
      defaultHeaders: { "x-project-id": "proj-params", "x-agent-id": "params-agent" },
    });
  });
  afterEach(() => {
    for (const fake of new Set([...Object.values(harness.fakes), ...Object.values(fakeOf)]))
      fake.server.reset();
  });
  afterAll(async () => {
    await harness.close();
    await Promise.all(
      Object.keys(modelOf)
        .slice(5)
        .filter((kind) => kind !== "vertex" && kind !== "vertex-anthropic")
        .map((kind) => fakeOf[kind as Kind].close()),
    );
    await vertex.close();
    await local.close();
  });

  const send = (model: string, extra: Body) =>
    client.chat.completions.create({
      model,
      messages: [{ role: "user", content: "Say hello as json" }],
      ...extra,
    } as OpenAI.ChatCompletionCreateParamsNonStreaming);

  it("skips no provider for values that equal the API's defaults", async () => {
    const answer = await send("reasoning", {
      n: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
      logprobs: false,
      parallel_tool_calls: true,
      modalities: ["text"],
      logit_bias: {},
    });
    expect(answer.model).toBe("claude-opus-4-5");
    expect(harness.fakes.anthropic.chatCalls()).toHaveLength(1);
  });

  it("returns Gemini's logprobs in OpenAI's shape", async () => {
    const answer = await send("gemini-flash", { logprobs: true, top_logprobs: 2 });
    const content = answer.choices[0]?.logprobs?.content ?? [];
    expect(content.map((entry) => entry.token).join("")).toBe(answer.choices[0]?.message.content);
    expect(content[0]).toMatchObject({ token: "Hello", logprob: -0.1, bytes: [72, 101, 108, 108, 111] });
    expect(content[0]?.top_logprobs).toHaveLength(2);
  });

  it("validates parameters as OpenAI does, naming the field", async () => {
    const invalid: Array<[Body, string]> = [
      [{ seed: 1.5 }, "seed"],
      [{ frequency_penalty: 3 }, "frequency_penalty"],
      [{ top_logprobs: 2 }, "top_logprobs"],
      [{ logprobs: true, top_logprobs: 21 }, "top_logprobs"],
      [{ logit_bias: { hello: 1 } }, "logit_bias.hello"],
      [{ reasoning_effort: "extreme" }, "reasoning_effort"],
      [{ n: 2, stream: true }, "n"],
      [{ modalities: ["text", "audio"] }, "audio"],
      [{ functions: [{ name: "f" }] }, "functions"],
      [{ top_k: 0 }, "top_k"],
    ];
    for (const [body, param] of invalid) {
      const refused = await send("gpt-4.1", body).catch((error: unknown) => error);
      expect(refused, JSON.stringify(body)).toBeInstanceOf(OpenAI.BadRequestError);
      expect((refused as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(param);
    }
    expect(harness.fakes.openai.chatCalls()).toHaveLength(0);
  });

  for (const kind of Object.keys(modelOf) as Kind[]) {
    for (const name of chatParameterNames) {
      const rule = parameterSupportByKind[kind][name];
      it(`${kind}: ${name} is ${rule.handling}`, async () => {
        const fake = fakeOf[kind];
        const request = rowRequests[name];
        if (rule.handling === "unsupported") {
          const refused = await send(modelOf[kind], request).catch((error: unknown) => error);
          expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
          const error = (refused as InstanceType<typeof OpenAI.BadRequestError>).error as Body;
          expect(error.code).toBe("GW_ERR_UNSUPPORTED_PARAMETER");
          expect(Object.keys(request)).toContain(error.param);
          expect(fake.chatCalls()).toHaveLength(0);
          return;
        }
        // reasoning_effort goes to OpenAI's reasoning models (gpt-4.1 would not be sent it).
        const model = modelFor(kind, name);
        const answer = await send(model, request);
        expect(answer.choices[0]?.message).toBeDefined();
        const received = fake.chatCalls()[0]?.body as Body;
        if (rule.handling === "forwarded") {
          expect(received).toMatchObject(request);
        } else if (rule.handling === "translated") {
          const expected = translations[kind]?.[name];
          expect(expected, `the test names what ${kind} receives for ${name}`).toBeDefined();
          expect(received).toMatchObject(expected as Body);
        } else {
          // The gateway asks every provider to stream (`stream: true`): that is no trace of the caller's value.
          const { stream: _stream, stream_options: _streamOptions, ...sent } = received;
          expect(sent).not.toHaveProperty(name);
          expect(JSON.stringify(sent)).not.toContain(JSON.stringify(request[name]));
        }
      });
    }
  }
});
