import type { IncomingHttpHeaders } from "node:http";
import type { ChatInput } from "../../gateway/chat-types.js";
import type { AnthropicMessagesRequest } from "./anthropic-messages-schema.js";
import { translateMessagesRequest } from "./convert-messages-request.js";

/**
 * A Messages request as the chat use case takes it: the translation for
 * deployments of other protocols, and the client's own body for Anthropic
 * deployments, which get it whole (cache_control, thinking and signatures,
 * documents, citations, server tools, betas). When the translation cannot
 * carry a field, it is named, and only Anthropic deployments may answer.
 */
export function toMessagesChatInput(
  body: AnthropicMessagesRequest,
  rawBody: Record<string, unknown>,
  headers: IncomingHttpHeaders,
): Omit<ChatInput, "model" | "modelGroup"> {
  const { request, untranslatable } = translateMessagesRequest(body);
  const beta = headers["anthropic-beta"];
  return {
    ...request,
    native: {
      request: {
        protocol: "anthropic-messages",
        body: rawBody,
        headers: typeof beta === "string" && beta.length > 0 ? { "anthropic-beta": beta } : {},
      },
      ...(untranslatable ? { untranslatable } : {}),
    },
  };
}
