import { randomBytes } from "node:crypto";
import type { FakeProvider } from "../fake-provider.js";
import { jsonModeRefusal } from "./openai-request-checks.js";
import { createOpenAiStyleFake, type OpenAiStyleFlavor } from "./openai-style-fake.js";

/*
 * Fakes of the hosts behind the OpenAI-compatible presets: OpenAI's wire
 * format at each host's own path, with the checks each documents. Groq
 * answers 400 to `logprobs`, `logit_bias`, `top_logprobs`, `n` other than 1,
 * `messages[].name` and any property it does not know
 * (console.groq.com/docs/openai); xAI's reasoning models answer 400 to
 * `stop` and the penalties (docs.x.ai). The others take what they do not use.
 */

export type FakePresetKind =
  | "groq"
  | "xai"
  | "openrouter"
  | "together"
  | "fireworks"
  | "ollama"
  | "vllm"
  | "lmstudio";

/** Where each host serves Chat Completions: the path of its documented base URL. */
const basePaths: Record<FakePresetKind, string> = {
  groq: "/openai/v1",
  xai: "/v1",
  openrouter: "/api/v1",
  together: "/v1",
  fireworks: "/inference/v1",
  ollama: "/v1",
  vllm: "/v1",
  lmstudio: "/v1",
};

const groqFields = new Set([
  "model",
  "messages",
  "max_tokens",
  "max_completion_tokens",
  "temperature",
  "top_p",
  "stop",
  "stream",
  "stream_options",
  "user",
  "seed",
  "tools",
  "tool_choice",
  "parallel_tool_calls",
  "response_format",
  "frequency_penalty",
  "presence_penalty",
  "reasoning_effort",
  "reasoning_format",
  "service_tier",
  "metadata",
  "n",
  "logprobs",
  "top_logprobs",
  "logit_bias",
]);

function groqRefusalOf(body: Record<string, unknown>): string | undefined {
  const unknown = Object.keys(body).find((field) => !groqFields.has(field));
  if (unknown) return `property '${unknown}' is unsupported`;
  for (const field of ["logprobs", "logit_bias", "top_logprobs"]) {
    if (body[field] !== undefined && body[field] !== null) return `\`${field}\` is not supported`;
  }
  if (body.n !== undefined && body.n !== 1) return "'n' : number must be at most 1";
  const messages = Array.isArray(body.messages) ? (body.messages as Array<Record<string, unknown>>) : [];
  const named = messages.findIndex((message) => message.name !== undefined);
  if (named >= 0) {
    return `'messages.${named}' : for 'role:${messages[named]?.role}' the following must be satisfied[('messages.${named}.name' : property 'name' is unsupported)]`;
  }
  return jsonModeRefusal(body);
}

function xaiRefusalOf(body: Record<string, unknown>): string | undefined {
  if (body.top_k !== undefined) return "Argument not supported: top_k";
  const model = typeof body.model === "string" ? body.model : "";
  const reasons =
    !model.includes("-non-reasoning") &&
    (model.includes("-reasoning") || model.startsWith("grok-4") || model.startsWith("grok-3-mini"));
  if (reasons) {
    for (const field of ["stop", "frequency_penalty", "presence_penalty"]) {
      if (body[field] !== undefined) return `Argument not supported on this model: ${field}`;
    }
  }
  return undefined;
}

function presetFlavor(kind: FakePresetKind): OpenAiStyleFlavor {
  const basePath = basePaths[kind];
  const refusals: Partial<Record<FakePresetKind, (body: Record<string, unknown>) => string | undefined>> = {
    groq: groqRefusalOf,
    xai: xaiRefusalOf,
  };
  return {
    chatPath: new RegExp(`^${basePath}/chat/completions$`),
    chatQueuePath: `${basePath}/chat/completions`,
    embeddingsPath: `${basePath}/embeddings`,
    basePath,
    scriptedModel: `${kind}-model`,
    newCompletionId: () => `chatcmpl-${randomBytes(12).toString("hex")}`,
    usage: (usage) => ({
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      ...(usage.cachedInputTokens !== undefined
        ? { prompt_tokens_details: { cached_tokens: usage.cachedInputTokens } }
        : {}),
    }),
    usageOnFinishChunk: false,
    errorLabels: (status) => ({
      type: status === 429 ? "rate_limit_error" : status >= 500 ? "server_error" : "invalid_request_error",
      code: null,
    }),
    headers: () => ({}),
    ...(refusals[kind] ? { refusalOf: refusals[kind] } : {}),
  };
}

/** A fake of one preset's host; its `baseUrl` stands in for the preset's public URL. */
export function createFakePresetHost(kind: FakePresetKind): Promise<FakeProvider> {
  return createOpenAiStyleFake(presetFlavor(kind));
}
