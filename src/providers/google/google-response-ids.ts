import { randomUUID } from "node:crypto";

/**
 * Ids for one Gemini answer. Gemini sends no completion id and usually no
 * function-call ids, so both derive from its `responseId`. Tool-call ids must
 * be unique across a conversation, not just within one answer (Anthropic
 * rejects repeated `tool_use` ids after a failover), hence the response key
 * in `call_<response>_<n>` rather than a bare counter.
 */
export interface GoogleResponseIds {
  completionId: string;
  toolCallId(index: number, upstreamId: string | null | undefined): string;
}

export function createGoogleResponseIds(responseId: string | null | undefined): GoogleResponseIds {
  const key = responseId?.replace(/[^A-Za-z0-9_-]/g, "") || randomUUID().replaceAll("-", "");
  return {
    completionId: `chatcmpl-${key}`,
    toolCallId: (index, upstreamId) => upstreamId || `call_${key}_${index}`,
  };
}
