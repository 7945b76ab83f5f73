import type { CallToolResult, McpServer, ServerContext } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { chatOptionsShape, identifierSchema } from "../../core/chat-schema.js";
import { CallProgress } from "../../gateway/call-progress.js";
import type { Caller } from "../../gateway/caller.js";
import type { ChatInput } from "../../gateway/chat-types.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { CacheDirectives } from "../../gateway/response-cache.js";
import { chatOutputSchema as outputSchema } from "../chat-output-schema.js";
import { chatToolResult } from "../chat-result-content.js";
import {
  listedMessages,
  listedResponseFormat,
  listedThinking,
  listedToolChoice,
  listedTools,
} from "../listed-chat-schemas.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { ProgressNotifier } from "../progress-notifier.js";
import { toolFailure } from "../tool-result.js";
import { callAbortSignal, callerShape, mcpCaller, spendingToolAnnotations } from "../tool-schemas.js";
import { validateByFieldsSent } from "../validate-by-fields-sent.js";
import { answerBackground, assertBackgroundArguments, backgroundShape } from "./chat-background.js";
import { answerFanOut, assertFanOutArguments, fanOutShape } from "./chat-fan-out.js";

const inputSchema = validateByFieldsSent(
  memoizeJsonSchema(
    z.object({
      ...callerShape,
      ...chatOptionsShape,
      model_group: identifierSchema.optional().describe("Model group to route to (default reasoning)."),
      model: z
        .string()
        .min(1)
        .max(128)
        .optional()
        .describe("A concrete catalog model instead of a group; no failover unless `fallbacks` is given."),
      fallbacks: z
        .array(z.string().min(1).max(128))
        .max(8)
        .optional()
        .describe("Models to fail over to after `model`."),
      stream: z
        .boolean()
        .optional()
        .describe("Send token deltas as progress notifications (needs a progressToken)."),
      conversation_id: z
        .string()
        .min(1)
        .max(100)
        .optional()
        .describe("Continue this conversation (any model may answer); omitted, a new one starts."),
      cache: z
        .enum(["default", "no-cache", "no-store"])
        .optional()
        .describe("Response cache: no-cache skips reading it, no-store reading and keeping."),
      ...fanOutShape,
      ...backgroundShape,
      // Only the parameters agents reach for: the tool list stays small, /v1 takes them all.
      seed: z.number().int().optional().describe("Sampling seed (best effort)."),
      reasoning_effort: z
        .enum(["none", "minimal", "low", "medium", "high"])
        .optional()
        .describe("How long the model thinks first (Claude: extended-thinking budget)."),
    }),
    {
      messages: listedMessages,
      tools: listedTools,
      tool_choice: listedToolChoice,
      response_format: listedResponseFormat,
      thinking: listedThinking,
    },
  ),
);

export function registerChatCompletionTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "chat_completion",
    {
      title: "Chat completion",
      description:
        "Runs a chat completion on the first healthy model of a model group (reasoning, code, fast, vision), failing over down the chain. Messages, tools and response_format use the OpenAI chat shape. Usage and cost are booked to project_id/agent_id.",
      inputSchema,
      outputSchema,
      annotations: spendingToolAnnotations,
    },
    async (args, ctx) => {
      const {
        project_id: _project,
        agent_id: _agent,
        model_group,
        stream,
        conversation_id,
        models,
        judge,
        background,
        cache,
        ...request
      } = args;
      try {
        const handOver = mcpRequestAuth(ctx);
        const caller = mcpCaller(args, handOver);
        const signal = callAbortSignal(ctx.mcpReq.signal, handOver.callSignal);
        assertBackgroundArguments(args);
        assertFanOutArguments(args);
        if (background)
          return await answerBackground(
            gateway,
            caller,
            { ...request, modelGroup: model_group },
            conversation_id,
          );
        if (models) return await answerFanOut(gateway, caller, request, { models, judge }, ctx, signal);
        return await answerOne(gateway, caller, { ...request, modelGroup: model_group }, conversation_id, {
          ctx,
          signal,
          stream,
          cache: cacheDirectivesOf(cache),
        });
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}

/** One answer, with progress when the client asked for it: status lines, and the deltas when streamed. */
async function answerOne(
  gateway: Gateway,
  caller: Caller,
  input: ChatInput,
  conversationId: string | undefined,
  call: {
    ctx: ServerContext;
    signal: AbortSignal;
    stream: boolean | undefined;
    cache: CacheDirectives | undefined;
  },
): Promise<CallToolResult> {
  const progress = new CallProgress((status) => void notifier?.notify(status));
  const notifier = ProgressNotifier.start(call.ctx, gateway.config.progressIntervalMs, () =>
    progress.describe(),
  );
  // Streamed, the answer's deltas are the messages (status lines only while none flow).
  const onChunk =
    call.stream && notifier
      ? async (chunk: ChatCompletionChunk) => {
          const text = chunk.choices[0]?.delta.content;
          if (text) await notifier.notify(text);
        }
      : undefined;
  try {
    const outcome = await gateway.converse(input, conversationId, caller, {
      signal: call.signal,
      onChunk,
      cache: call.cache,
      ...(notifier ? { progress } : {}),
    });
    return await chatToolResult(gateway, caller, {
      ...outcome.result,
      conversation: { id: outcome.conversationId, turnsLeftOut: outcome.turnsLeftOut },
    });
  } finally {
    notifier?.stop();
  }
}

/** The MCP `cache` argument as the cache's directives (HTTP `Cache-Control`'s words). */
function cacheDirectivesOf(
  cache: "default" | "no-cache" | "no-store" | undefined,
): CacheDirectives | undefined {
  if (cache === "no-cache") return { read: false, write: true };
  if (cache === "no-store") return { read: false, write: false };
  return undefined;
}
