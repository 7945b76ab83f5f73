import type { ChatCompletion, ChatCompletionMessage, ToolCall } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { convertGoogleLogprobs } from "./convert-google-logprobs.js";
import { convertGoogleUsage } from "./convert-google-usage.js";
import type { GoogleGenerateContentResponse } from "./google-api.js";
import { createGoogleResponseIds } from "./google-response-ids.js";
import { googleSignatureOf } from "./google-thought-signature.js";
import { mapGoogleFinishReason } from "./map-google-finish-reason.js";

/** A whole `generateContent` answer as an OpenAI chat completion (first candidate). */
export function convertGoogleResponse(
  response: GoogleGenerateContentResponse,
  context: { provider: string; url: string; modelId: string },
): ChatCompletion {
  const ids = createGoogleResponseIds(response.responseId);
  const candidate = response.candidates?.[0];
  const blockReason = response.promptFeedback?.blockReason;
  if (!candidate && !blockReason) {
    throw new UpstreamError({
      provider: context.provider,
      kind: "invalid_response",
      message: `${context.provider} answered without a candidate or a block reason`,
      url: context.url,
      status: 200,
      body: JSON.stringify(response),
    });
  }

  let text = "";
  let reasoning = "";
  const toolCalls: ToolCall[] = [];
  for (const part of candidate?.content?.parts ?? []) {
    if (part.functionCall) {
      toolCalls.push({
        id: ids.toolCallId(toolCalls.length, part.functionCall.id),
        type: "function",
        function: { name: part.functionCall.name, arguments: JSON.stringify(part.functionCall.args ?? {}) },
        ...googleSignatureOf(part),
      });
    } else if (part.thought) {
      reasoning += part.text ?? "";
    } else {
      text += part.text ?? "";
    }
  }

  const message: ChatCompletionMessage = { role: "assistant", content: text || null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  if (reasoning) message.reasoning_content = reasoning;
  const completion: ChatCompletion = {
    id: ids.completionId,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: response.modelVersion ?? context.modelId,
    choices: [
      {
        index: 0,
        message,
        // A blocked prompt has no candidate at all, only promptFeedback.
        finish_reason: candidate
          ? mapGoogleFinishReason(candidate.finishReason, toolCalls.length > 0)
          : "content_filter",
      },
    ],
  };
  const logprobs = convertGoogleLogprobs(candidate?.logprobsResult);
  if (logprobs && completion.choices[0]) completion.choices[0].logprobs = logprobs;
  if (response.usageMetadata) completion.usage = convertGoogleUsage(response.usageMetadata);
  return completion;
}
