import { randomBytes } from "node:crypto";
import type { FakeResponse, RecordedCall } from "../fake-upstream-server.js";

/*
 * The checks Mistral makes that a gateway could fail by forwarding OpenAI's
 * request as it is: no key (401), any field its schema does not define (422
 * `extra_forbidden`, e.g. `stream_options`, `seed`, `user`, a user message's
 * `name`), a `tool_choice` outside `auto|none|any|required` (422), and tool
 * call ids that are not nine letters or digits (400).
 */

const chatFields = new Set([
  "model",
  "temperature",
  "top_p",
  "max_tokens",
  "stream",
  "stop",
  "random_seed",
  "metadata",
  "messages",
  "response_format",
  "tools",
  "tool_choice",
  "presence_penalty",
  "frequency_penalty",
  "n",
  "prediction",
  "parallel_tool_calls",
  "reasoning_effort",
  "prompt_mode",
  "guardrails",
  "prompt_cache_key",
  "safe_prompt",
]);

const embeddingFields = new Set([
  "model",
  "input",
  "metadata",
  "output_dimension",
  "output_dtype",
  "encoding_format",
]);

const messageFields: Record<string, Set<string>> = {
  system: new Set(["role", "content"]),
  user: new Set(["role", "content"]),
  assistant: new Set(["role", "content", "tool_calls", "prefix"]),
  tool: new Set(["role", "content", "tool_call_id", "name"]),
};

interface ValidationIssue {
  type: string;
  loc: Array<string | number>;
  msg: string;
  input: unknown;
}

export function mistralRefusalOf(
  call: RecordedCall,
  endpoint: "chat" | "embeddings",
): FakeResponse | undefined {
  if (!call.headers.authorization) {
    return {
      type: "json",
      status: 401,
      body: { message: "Unauthorized", request_id: randomBytes(16).toString("hex") },
    };
  }
  const body = (typeof call.body === "object" && call.body !== null ? call.body : {}) as Record<
    string,
    unknown
  >;
  const issues: ValidationIssue[] = [];
  const allowed = endpoint === "chat" ? chatFields : embeddingFields;
  for (const [field, value] of Object.entries(body)) {
    if (!allowed.has(field)) issues.push(extraForbidden(["body", field], value));
  }
  if (endpoint === "chat") issues.push(...chatIssues(body));
  if (issues.length > 0) return validationError(issues);
  return endpoint === "chat" ? toolCallIdRefusal(body) : undefined;
}

function chatIssues(body: Record<string, unknown>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const messages = body.messages;
  if (!Array.isArray(messages) || messages.length === 0) {
    issues.push({ type: "missing", loc: ["body", "messages"], msg: "Field required", input: body });
    return issues;
  }
  messages.forEach((message: Record<string, unknown>, index) => {
    const role = String(message.role);
    const fields = messageFields[role];
    if (!fields) {
      issues.push({
        type: "union_tag_invalid",
        loc: ["body", "messages", index],
        msg: `Input tag '${role}' found using 'role' does not match any of the expected tags: 'assistant', 'system', 'tool', 'user'`,
        input: message,
      });
      return;
    }
    for (const [field, value] of Object.entries(message)) {
      if (!fields.has(field)) issues.push(extraForbidden(["body", "messages", index, role, field], value));
    }
  });
  const choice = body.tool_choice;
  if (typeof choice === "string" && !["auto", "none", "any", "required"].includes(choice)) {
    issues.push({
      type: "enum",
      loc: ["body", "tool_choice"],
      msg: "Input should be 'auto', 'none', 'any' or 'required'",
      input: choice,
    });
  }
  return issues;
}

/** Checked after the schema, as Mistral does: a 400, not a 422. */
function toolCallIdRefusal(body: Record<string, unknown>): FakeResponse | undefined {
  const ids: string[] = [];
  for (const message of body.messages as Array<Record<string, unknown>>) {
    if (typeof message.tool_call_id === "string") ids.push(message.tool_call_id);
    for (const toolCall of (message.tool_calls as Array<{ id?: unknown }> | undefined) ?? []) {
      if (typeof toolCall.id === "string") ids.push(toolCall.id);
    }
  }
  const bad = ids.find((id) => !/^[a-zA-Z0-9]{9}$/.test(id));
  if (bad === undefined) return undefined;
  return {
    type: "json",
    status: 400,
    body: {
      object: "error",
      message: `Tool call id was ${bad} but must be a-z, A-Z, 0-9, with a length of 9.`,
      type: "invalid_request_error",
      param: null,
      code: null,
    },
  };
}

function extraForbidden(loc: Array<string | number>, input: unknown): ValidationIssue {
  return { type: "extra_forbidden", loc, msg: "Extra inputs are not permitted", input };
}

function validationError(detail: ValidationIssue[]): FakeResponse {
  return {
    type: "json",
    status: 422,
    body: { object: "error", message: { detail }, type: "invalid_request_error", param: null, code: null },
  };
}
