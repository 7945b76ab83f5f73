import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, ChatUsage, FinishReason } from "../../core/chat.js";
import { UpstreamError } from "../../core/upstream-error.js";
import { parseUpstreamBody, parseUpstreamJson } from "../shared/parse-upstream-body.js";
import { convertGoogleLogprobs } from "./convert-google-logprobs.js";
import { convertGoogleUsage } from "./convert-google-usage.js";
import { googleGenerateContentResponseSchema } from "./google-api.js";
import { createGoogleStreamError, parseGoogleError } from "./google-error.js";
import { createGoogleResponseIds, type GoogleResponseIds } from "./google-response-ids.js";
import { googleSignatureOf } from "./google-thought-signature.js";
import { mapGoogleFinishReason } from "./map-google-finish-reason.js";

export interface GoogleStreamContext {
  provider: string;
  url: string;
  modelId: string;
}

/**
 * `streamGenerateContent?alt=sse` events as OpenAI chunks. Each event is a
 * whole GenerateContentResponse holding the next piece of the first
 * candidate; function calls arrive whole, so each becomes one tool-call delta
 * with its full arguments. Every chunk repeats `usageMetadata` and the last
 * one is authoritative. There is no [DONE]: the stream is complete once a
 * candidate carried a finishReason (or the prompt was blocked).
 */
export async function* convertGoogleStream(
  events: AsyncIterable<EventSourceMessage>,
  context: GoogleStreamContext,
): AsyncGenerator<ChatCompletionChunk> {
  let ids: GoogleResponseIds | undefined;
  let model = context.modelId;
  const created = Math.floor(Date.now() / 1000);
  let toolCallCount = 0;
  let finished = false;
  let usage: ChatUsage | undefined;
  const chunk = (
    delta: ChatCompletionChunk["choices"][number]["delta"],
    finishReason: FinishReason | null = null,
  ): ChatCompletionChunk => ({
    id: ids?.completionId ?? "",
    object: "chat.completion.chunk",
    created,
    model,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
  });

  for await (const event of events) {
    const body = parseUpstreamJson(event.data, context);
    const inBandError = parseGoogleError(body);
    if (inBandError) throw createGoogleStreamError(context.provider, context.url, inBandError);
    const response = parseUpstreamBody(googleGenerateContentResponseSchema, body, context);

    if (!ids) {
      ids = createGoogleResponseIds(response.responseId);
      model = response.modelVersion ?? model;
      yield chunk({ role: "assistant", content: "" });
    }
    if (response.usageMetadata) usage = convertGoogleUsage(response.usageMetadata);

    const candidate = response.candidates?.[0];
    let logprobs = convertGoogleLogprobs(candidate?.logprobsResult);
    for (const part of candidate?.content?.parts ?? []) {
      if (part.functionCall) {
        const index = toolCallCount++;
        yield chunk({
          tool_calls: [
            {
              index,
              id: ids.toolCallId(index, part.functionCall.id),
              type: "function",
              function: {
                name: part.functionCall.name,
                arguments: JSON.stringify(part.functionCall.args ?? {}),
              },
              ...googleSignatureOf(part),
            },
          ],
        });
      } else if (part.text) {
        const converted = chunk(part.thought ? { reasoning_content: part.text } : { content: part.text });
        // An event's logprobs cover its answer text: they ride on its first text chunk.
        if (!part.thought && logprobs && converted.choices[0]) {
          converted.choices[0].logprobs = logprobs;
          logprobs = undefined;
        }
        yield converted;
      }
    }

    if (finished) continue;
    if (candidate?.finishReason) {
      finished = true;
      yield chunk({}, mapGoogleFinishReason(candidate.finishReason, toolCallCount > 0));
    } else if (!candidate && response.promptFeedback?.blockReason) {
      // A blocked prompt streams one chunk with promptFeedback and no candidate.
      finished = true;
      yield chunk({}, "content_filter");
    }
  }

  if (!finished) {
    throw new UpstreamError({
      provider: context.provider,
      kind: "stream",
      message: `${context.provider} stream ended before its final candidate (no finishReason): the stream was cut`,
      url: context.url,
    });
  }
  if (usage) yield { ...chunk({}), choices: [], usage };
}
