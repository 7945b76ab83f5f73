import { randomBytes, randomUUID } from "node:crypto";
import type { FakeProvider } from "../fake-provider.js";
import type { FakeSseEvent } from "../fake-upstream-server.js";
import { openAiFlavor } from "../openai/fake-openai.js";
import { openAiResponsesRoute } from "../openai/fake-openai-responses.js";
import {
  createOpenAiStyleFake,
  type OpenAiStyleFlavor,
  openAiStyleReplies,
} from "../openai/openai-style-fake.js";
import { type AzureFakeCredentials, azureRefusalOf } from "./azure-openai-request-checks.js";

/*
 * An Azure OpenAI resource (`https://<resource>.openai.azure.com`): OpenAI's
 * Chat Completions and Embeddings on deployments,
 * `/openai/deployments/{deployment}/chat/completions?api-version=...`, and the
 * v1 API at `/openai/v1/chat/completions` (the deployment as `model`). Answers
 * carry content filter results: `prompt_filter_results` and each choice's
 * `content_filter_results`; a stream opens with a chunk of prompt filter
 * results only (`id: ""`, `choices: []`). Azure's own errors are
 * `{error: {code, message}}` (azure-openai-request-checks.ts); a 429 says when
 * to retry in its message and in `retry-after`.
 */

export const azureFakeApiKey = "azure-fake-key-0001-do-not-log";

export const defaultAzureDeployments = ["gpt-4o", "gpt-4.1", "o3-mini", "text-embedding-3-large"];

export interface FakeAzureOpenAiOptions {
  credentials?: AzureFakeCredentials;
  /** The resource's deployments; others are 404 `DeploymentNotFound`. */
  deployments?: string[];
}

const safe = { filtered: false, severity: "safe" };
const contentFilterResults = { hate: safe, self_harm: safe, sexual: safe, violence: safe };
const promptFilterResults = [
  {
    prompt_index: 0,
    content_filter_results: { ...contentFilterResults, jailbreak: { filtered: false, detected: false } },
  },
];

/** The 400 Azure answers when its content filter refuses the prompt, naming the category. */
export function azureContentFilterError(category = "violence", severity = "medium") {
  return {
    type: "json" as const,
    status: 400,
    body: {
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: {
          code: "ResponsibleAIPolicyViolation",
          content_filter_result: {
            ...contentFilterResults,
            jailbreak: { filtered: false, detected: false },
            [category]: { filtered: true, severity },
          },
        },
      },
    },
  };
}

export function azureOpenAiFlavor(options: FakeAzureOpenAiOptions = {}): OpenAiStyleFlavor {
  const credentials = options.credentials ?? { apiKey: azureFakeApiKey };
  const deployments = new Set(options.deployments ?? defaultAzureDeployments);
  return {
    ...openAiFlavor,
    chatPath: /^\/openai\/(deployments\/[^/]+|v1)\/chat\/completions$/,
    chatQueuePath: "/openai/v1/chat/completions",
    embeddingsPath: /^\/openai\/(deployments\/[^/]+|v1)\/embeddings$/,
    embeddingsQueuePath: "/openai/v1/embeddings",
    // The Responses API: `/openai/v1/responses`, or `/openai/responses?api-version=` (2025-03-01-preview on).
    extraRoutes: [
      {
        ...openAiResponsesRoute,
        path: /^\/openai\/(v1\/)?responses$/,
        refuse: (call) => azureRefusalOf(call, credentials, deployments),
      },
    ],
    basePath: "",
    scriptedModel: "gpt-4o-2024-11-20",
    newCompletionId: () => `chatcmpl-${randomBytes(15).toString("base64url")}`,
    headers: () => ({
      "apim-request-id": randomUUID(),
      "x-request-id": randomUUID(),
      "x-ms-region": "Sweden Central",
      "x-ratelimit-remaining-requests": "99",
      "x-ratelimit-remaining-tokens": "99000",
    }),
    refuseCall: (call) => azureRefusalOf(call, credentials, deployments),
    errorBody: azureErrorBody,
    annotateCompletion: (body) => ({
      ...body,
      prompt_filter_results: promptFilterResults,
      choices: (body.choices as Array<Record<string, unknown>>).map((choice) => ({
        ...choice,
        content_filter_results: contentFilterResults,
      })),
    }),
    annotateStream: (events) => [promptFilterChunk(), ...events.map(withContentFilterResults)],
  };
}

export const azureOpenAiReplies = openAiStyleReplies(azureOpenAiFlavor());

/** A fake resource; its `baseUrl` is the endpoint (`https://<resource>.openai.azure.com`). */
export function createFakeAzureOpenAi(options: FakeAzureOpenAiOptions = {}): Promise<FakeProvider> {
  return createOpenAiStyleFake(azureOpenAiFlavor(options));
}

/**
 * Request errors pass on OpenAI's envelope; Azure's gateway answers the rest
 * as `{error: {code, message}}` (429: "Requests to the ChatCompletions_Create
 * Operation ... have exceeded ... Please retry after N seconds").
 */
function azureErrorBody(status: number, message: string): unknown {
  if (status === 400) return { error: { message, type: "invalid_request_error", param: null, code: null } };
  const code =
    status === 500 ? "InternalServerError" : status === 503 ? "ServiceUnavailable" : String(status);
  return { error: { code, message } };
}

function promptFilterChunk(): FakeSseEvent {
  return {
    data: JSON.stringify({
      choices: [],
      created: 0,
      id: "",
      model: "",
      object: "",
      prompt_filter_results: promptFilterResults,
    }),
  };
}

/** Content chunks carry the filter's verdict on what they hold. */
function withContentFilterResults(event: FakeSseEvent): FakeSseEvent {
  if (event.data === "[DONE]") return event;
  const chunk = JSON.parse(event.data) as { choices?: Array<Record<string, unknown>> };
  if (!Array.isArray(chunk.choices) || chunk.choices.length === 0) return event;
  const choices = chunk.choices.map((choice) => {
    const delta = choice.delta as { content?: unknown } | undefined;
    return typeof delta?.content === "string" && delta.content !== ""
      ? { ...choice, content_filter_results: contentFilterResults }
      : { ...choice, content_filter_results: {} };
  });
  return { ...event, data: JSON.stringify({ ...chunk, choices }) };
}
