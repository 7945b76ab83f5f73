import type { ChatInput } from "../../gateway/chat-types.js";
import { translateResponsesRequest } from "./convert-responses-request.js";
import type { ResponsesRequest } from "./responses-request-schema.js";

/**
 * A Responses request as the chat use case takes it: the translation for
 * deployments of other protocols, and the client's own body for OpenAI
 * deployments, which get it whole (encrypted reasoning, hosted tools,
 * `include`, `store`, `previous_response_id`). When the translation cannot
 * carry a field, it is named, and only OpenAI deployments may answer.
 */
export function toResponsesChatInput(
  body: ResponsesRequest,
  rawBody: Record<string, unknown>,
): {
  input: Omit<ChatInput, "model" | "modelGroup">;
  droppedTools: string[];
  namespaces: Map<string, string>;
} {
  const { request, untranslatable, droppedTools, namespaces } = translateResponsesRequest(body);
  return {
    input: {
      ...request,
      native: {
        request: { protocol: "openai-responses", body: rawBody, headers: {} },
        ...(untranslatable ? { untranslatable } : {}),
      },
    },
    droppedTools,
    namespaces,
  };
}
