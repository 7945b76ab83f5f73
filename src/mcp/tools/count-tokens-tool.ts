import type { McpServer } from "@modelcontextprotocol/server";
import { z } from "zod";
import { chatMessageSchema, maxMessages } from "../../core/chat-schema.js";
import { maxCountableCharacters } from "../../gateway/count-tokens.js";
import type { Gateway } from "../../gateway/gateway.js";
import { listedMessages } from "../listed-chat-schemas.js";
import { mcpRequestAuth } from "../mcp-request-auth.js";
import { memoizeJsonSchema } from "../memoize-json-schema.js";
import { toolFailure, toolSuccess } from "../tool-result.js";
import { callerShape, mcpCaller } from "../tool-schemas.js";

const inputSchema = memoizeJsonSchema(
  z.object({
    ...callerShape,
    text: z
      .string()
      .max(maxCountableCharacters)
      .optional()
      .describe("Text to count. Give this or `messages`."),
    messages: z
      .array(chatMessageSchema)
      .min(1)
      .max(maxMessages)
      .optional()
      .describe("Chat messages (OpenAI shape) to count."),
    model: z.string().min(1).max(128).optional().describe("Model whose tokenizer to use (default gpt-4)."),
  }),
  { messages: { ...listedMessages, description: "Chat messages, as chat_completion takes them." } },
);

const outputSchema = memoizeJsonSchema(
  z.object({
    tokens: z.number().int(),
    model: z.string(),
    encoding: z
      .string()
      .describe("the tiktoken encoding, or provider:<name> when the provider's own endpoint counted"),
    exact: z
      .boolean()
      .describe(
        "false when the count is an estimate (other providers' models without a reachable counting endpoint, images, tool calls)",
      ),
  }),
);

export function registerCountTokensTool(server: McpServer, gateway: Gateway): void {
  server.registerTool(
    "count_tokens",
    {
      title: "Count tokens",
      description:
        "Counts the tokens of a text or chat messages for a model: exact tiktoken counts for OpenAI models (cl100k_base, o200k_base); Anthropic and Gemini models counted by the provider's own endpoint when its key is configured (a text as one user message); otherwise an estimate flagged exact=false.",
      inputSchema,
      outputSchema,
      // Open world: Anthropic and Gemini models are counted by the provider's own endpoint.
      annotations: { readOnlyHint: true, openWorldHint: true, idempotentHint: true },
    },
    async (args, ctx) => {
      try {
        const result = await gateway.countTokens(
          { text: args.text, messages: args.messages, model: args.model },
          mcpCaller(args, { principal: mcpRequestAuth(ctx).principal }),
        );
        return toolSuccess(
          result,
          `${result.tokens} tokens for ${result.model} (${result.encoding}${result.exact ? "" : ", estimate"})`,
        );
      } catch (error) {
        return toolFailure(error, gateway.logger);
      }
    },
  );
}
