import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";
import { anthropicCountTokensRequestBody } from "../anthropic/anthropic-messages-schema.js";
import { convertPrompt } from "../anthropic/convert-messages-request.js";
import { callerFromRequest } from "../openai/caller-from-request.js";
import { parseBody } from "../openai/parse-body.js";

/**
 * POST /v1/messages/count_tokens over the shared count-tokens use case. A
 * group or alias counts with the model it tries first. Tool definitions are
 * counted as the JSON text they are sent as, so the count stays an estimate
 * wherever the provider does not count itself. Rate-limited per project, like
 * the MCP tool.
 */
export function registerAnthropicCountTokensRoute(app: FastifyInstance, gateway: Gateway): void {
  app.post("/v1/messages/count_tokens", async (request) => {
    const body = parseBody(anthropicCountTokensRequestBody, request.body);
    const prompt = convertPrompt(body);
    const messages = prompt.tools?.length
      ? [{ role: "system" as const, content: JSON.stringify(prompt.tools) }, ...prompt.messages]
      : prompt.messages;
    const counted = await gateway.countTokens(
      { messages, model: gateway.resolveCountingModel(body.model) },
      callerFromRequest(request, "anthropic"),
    );
    return { input_tokens: counted.tokens };
  });
}
