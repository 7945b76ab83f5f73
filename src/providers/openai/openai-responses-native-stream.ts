import type { EventSourceMessage } from "eventsource-parser";
import type { ChatCompletionChunk, ToolCallDelta } from "../../core/chat.js";
import type { NativeStreamPart } from "../../core/provider-adapter.js";
import { UpstreamError } from "../../core/upstream-error.js";
import {
  parseUpstreamBody,
  parseUpstreamJson,
  type UpstreamBodySource,
} from "../shared/parse-upstream-body.js";
import { convertOpenAiResponsesUsage, finishReasonOfResponse } from "./convert-openai-responses-body.js";
import { createOpenAiStreamError } from "./openai-error.js";
import { openAiResponsesEventSchema } from "./openai-responses-api.js";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

/**
 * A Responses stream passed on event for event, each paired with what it
 * means internally: text, reasoning summaries and function calls for the
 * accounting, usage from `response.completed`. `response.failed` and `error`
 * events throw, so before the first output item the router fails over and
 * after it the caller's stream ends with the failure. Output starts with
 * the first `response.output_item.added`; `response.created` and
 * `response.in_progress` carry nothing the caller could lose. With
 * `assembleBody`, the terminal event's Response (the whole object, as the
 * same request unstreamed answers it) comes as the last part's body.
 */
export async function* pairOpenAiResponsesStream(
  events: AsyncIterable<EventSourceMessage>,
  source: UpstreamBodySource & { model: string },
  options: { assembleBody?: boolean } = {},
): AsyncGenerator<NativeStreamPart> {
  const toolIndexByOutput = new Map<number, number>();
  let finished = false;
  const chunk = (delta: Delta, extra: Partial<ChatCompletionChunk> = {}): ChatCompletionChunk => ({
    id: "",
    object: "chat.completion.chunk",
    created: Math.floor(Date.now() / 1000),
    model: source.model,
    choices: [{ index: 0, delta, finish_reason: null }],
    ...extra,
  });

  for await (const message of events) {
    const raw = { ...(message.event ? { event: message.event } : {}), data: message.data };
    const json = parseUpstreamJson(message.data, source);
    const event = parseUpstreamBody(openAiResponsesEventSchema, json, source);
    switch (event.type) {
      case "response.output_item.added": {
        const item = event.item;
        if (item?.type === "function_call") {
          const index = toolIndexByOutput.size;
          toolIndexByOutput.set(event.output_index ?? index, index);
          const call: ToolCallDelta = {
            index,
            id: item.call_id ?? item.id ?? "",
            type: "function",
            function: { name: item.name ?? "", arguments: "" },
          };
          yield { events: [raw], chunk: chunk({ tool_calls: [call] }), carriesContent: true };
        } else yield { events: [raw], carriesContent: true };
        break;
      }
      case "response.output_text.delta":
      case "response.refusal.delta":
        yield { events: [raw], chunk: chunk({ content: event.delta ?? "" }), carriesContent: true };
        break;
      case "response.reasoning_summary_text.delta":
        yield { events: [raw], chunk: chunk({ reasoning_content: event.delta ?? "" }), carriesContent: true };
        break;
      case "response.function_call_arguments.delta": {
        const index = toolIndexByOutput.get(event.output_index ?? -1) ?? 0;
        const call: ToolCallDelta = { index, function: { arguments: event.delta ?? "" } };
        yield { events: [raw], chunk: chunk({ tool_calls: [call] }), carriesContent: true };
        break;
      }
      case "response.completed":
      case "response.incomplete": {
        finished = true;
        const response = event.response;
        const finish = finishReasonOfResponse(
          response?.status ?? (event.type === "response.completed" ? "completed" : "incomplete"),
          response?.incomplete_details?.reason,
          toolIndexByOutput.size > 0,
        );
        const usage = response?.usage ? convertOpenAiResponsesUsage(response.usage) : undefined;
        const final = chunk({}, usage ? { usage } : {});
        (final.choices[0] as { finish_reason: typeof finish }).finish_reason = finish;
        // As sent, not as read: the schema reads only some fields.
        const whole = (json as { response?: unknown }).response;
        const body = options.assembleBody && whole !== undefined ? { body: whole } : {};
        yield { events: [raw], chunk: final, carriesContent: false, ...body };
        break;
      }
      case "response.failed":
        throw createOpenAiStreamError(
          source.provider,
          source.url,
          {
            message: event.response?.error?.message ?? undefined,
            type: undefined,
            code: event.response?.error?.code ?? "server_error",
          },
          message.data,
        );
      case "error":
        throw createOpenAiStreamError(
          source.provider,
          source.url,
          { message: event.message ?? undefined, type: undefined, code: event.code ?? "server_error" },
          message.data,
        );
      default:
        yield { events: [raw], carriesContent: false };
    }
  }
  if (!finished) {
    throw new UpstreamError({
      provider: source.provider,
      kind: "stream",
      message: `${source.provider} stream ended before response.completed: the stream was cut`,
      url: source.url,
    });
  }
}
