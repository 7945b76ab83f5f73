import { redactApiKeys } from "./openai-error.js";

/*
 * Mistral's error bodies (docs.mistral.ai/resources/error-glossary), as they
 * arrive: `{object: "error", message, type, param, code}` where `message` is a
 * string, a `{detail: [...]}` object of validation errors (422), that same
 * object as a JSON string, or (newer) a `detail` list beside it; a 401 is a
 * bare `{message: "Unauthorized", request_id}`.
 */

interface ValidationIssue {
  loc?: unknown;
  msg?: unknown;
}

/** "messages.0.user.name: Extra inputs are not permitted (invalid_request_error)". */
export function extractMistralErrorMessage(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const envelope = body as { message?: unknown; detail?: unknown; type?: unknown; code?: unknown };
  const text = describeDetail(envelope.detail) ?? describeMessage(envelope.message);
  if (!text) return undefined;
  const label = typeof envelope.type === "string" ? envelope.type : undefined;
  const redacted = redactApiKeys(text);
  return label && !redacted.includes(label) ? `${redacted} (${label})` : redacted;
}

function describeMessage(message: unknown): string | undefined {
  if (typeof message === "string") {
    // The older 422 sent its validation detail as a JSON string inside `message`.
    if (message.startsWith('{"detail"')) {
      try {
        return describeDetail((JSON.parse(message) as { detail?: unknown }).detail) ?? message;
      } catch {
        return message;
      }
    }
    return message || undefined;
  }
  if (Array.isArray(message)) return describeDetail(message);
  if (typeof message === "object" && message !== null) {
    return describeDetail((message as { detail?: unknown }).detail);
  }
  return undefined;
}

function describeDetail(detail: unknown): string | undefined {
  if (!Array.isArray(detail) || detail.length === 0) return undefined;
  return detail
    .map((issue: ValidationIssue) => {
      const path = Array.isArray(issue.loc) ? issue.loc.filter((part) => part !== "body").join(".") : "";
      const msg = typeof issue.msg === "string" ? issue.msg : "invalid";
      return path ? `${path}: ${msg}` : msg;
    })
    .join("; ");
}
