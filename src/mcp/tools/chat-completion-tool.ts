import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import type { ChatCompletionChunk } from "../../core/chat.js";
import { chatOptionsShape, identifierSchema } from "../../core/chat-schema.js";
import type { ChatResult } from "../../gateway/chat-types.js";
import type { Gateway } from "../../gateway/gateway.js";
import type { Principal } from "../../gateway/principal.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import {
  attemptSchema,
  callAbortSignal,
  callerShape,
  type McpCallIds,
  mcpCaller,
  spendingToolAnnotations,
} from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
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
    // Only the parameters agents reach for: the tool list stays small, /v1 takes them all.
    seed: z.number().int().optional().describe("Sampling seed (best effort)."),
    reasoning_effort: z
      .enum(["none", "minimal", "low", "medium", "high"])
      .optional()
      .describe("How long the model thinks first (Claude: extended-thinking budget)."),
  }),
);

const outputSchema = memoizeJsonSchema(
  z.object({
    id: z.string(),
    model: z.string(),
    provider: z.string(),
    content: z.string().nullable(),
    tool_calls: z.array(
      z.object({
        id: z.string(),
        type: z.literal("function"),
        function: z.object({ name: z.string(), arguments: z.string() }),
        // Gemini's thought signature: send the tool call back as it came.
        extra_content: z
          .object({ google: z.object({ thought_signature: z.string().optional() }).optional() })
          .optional(),
      }),
    ),
    reasoning_content: z.string().optional(),
    finish_reason: z.string().nullable(),
    usage: z.object({
      input_tokens: z.number(),
      output_tokens: z.number(),
      cached_input_tokens: z.number(),
      cache_write_tokens: z.number(),
      total_tokens: z.number(),
    }),
    cost_usd: z.number(),
    latency_ms: z.number(),
    attempts: z.array(attemptSchema),
    conversation_id: z.string().optional().describe("absent when the conversation store is down"),
    turns_left_out: z.number().optional().describe("oldest turns not sent: the context window was full"),
  }),
);

export function registerChatCompletionTool(
  server: McpServer,
  gateway: Gateway,
  principal: Principal | undefined,
  callSignal?: AbortSignal,
  callIds?: McpCallIds,
): void {
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
        ...request
      } = args;
      const progressToken = ctx.mcpReq._meta?.progressToken;
      let progress = 0;
      const onChunk =
        stream && progressToken !== undefined
          ? async (chunk: ChatCompletionChunk) => {
              const text = chunk.choices[0]?.delta.content;
              if (!text) return;
              progress += 1;
              await ctx.mcpReq.notify({
                method: "notifications/progress",
                params: { progressToken, progress, message: text },
              });
            }
          : undefined;
      try {
        const caller = mcpCaller(args, principal, callIds);
        const outcome = await gateway.converse(
          { ...request, modelGroup: model_group },
          conversation_id,
          caller,
          {
            signal: callAbortSignal(ctx.mcpReq.signal, callSignal),
            onChunk,
          },
        );
        const result = {
          ...outcome.result,
          ...(outcome.conversationId ? { conversation_id: outcome.conversationId } : {}),
          ...(outcome.turnsLeftOut > 0 ? { turns_left_out: outcome.turnsLeftOut } : {}),
        };
        return toolSuccess(result, renderChatResult(result));
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}

function renderChatResult(
  result: ChatResult & { conversation_id?: string; turns_left_out?: number },
): string {
  const calls = result.tool_calls.map(
    (call) => `tool call ${call.function.name}(${call.function.arguments})`,
  );
  const body = [result.content ?? "", ...calls].filter(Boolean).join("\n");
  const conversation = result.conversation_id
    ? `conversation ${result.conversation_id}`
    : "conversation not stored (store unavailable)";
  const leftOut = result.turns_left_out ? `, ${result.turns_left_out} oldest turns left out` : "";
  return `${body}\n\n[${result.model} via ${result.provider}, ${result.usage.total_tokens} tokens, $${result.cost_usd}, ${conversation}${leftOut}]`;
}
