import { createHash } from "node:crypto";
import type { ChatMessage } from "../core/chat.js";
import type { ChatInput } from "./chat-types.js";

/**
 * Request fields that never change the answer: who asks (`user`, `safety_identifier`), what the
 * provider files it under (`metadata`, `store`, `prompt_cache_*`), its queue (`service_tier`), and
 * how it is delivered (`stream`, `stream_options`). Everything else is part of the key.
 */
const notInKey = new Set([
  "user",
  "safety_identifier",
  "metadata",
  "store",
  "prompt_cache_key",
  "prompt_cache_retention",
  "service_tier",
  "stream",
  "stream_options",
]);

/** The keys a request is cached under: exact, and (for semantic matching) all but the last user turn. */
export interface ResponseCacheKeys {
  key: string;
  /** Empty when semantic matching does not apply. */
  prefixHash: string;
  /** The last user turn's text, when it is text only (what semantic matching embeds). */
  lastUserText?: string;
}

/**
 * SHA-256 of the request's canonical JSON (object keys sorted, undefined
 * dropped): key order and whitespace of the client's JSON do not matter.
 * `scope` is the project, or `*` when projects share the cache. A native
 * request (Messages, Responses door) is keyed by its own body too, since the
 * translation may not carry all of it.
 */
export function responseCacheKeys(
  input: ChatInput,
  scope: string,
  options: { semantic: boolean } = { semantic: true },
): ResponseCacheKeys {
  const { modelGroup, model, fallbacks, native, messages, ...parameters } = input;
  const asked = {
    selector: model ? { model, fallbacks: fallbacks ?? [] } : { modelGroup: modelGroup ?? "reasoning" },
    parameters: withoutIgnored(parameters),
    native: native ? { protocol: native.request.protocol, body: withoutIgnored(native.request.body) } : null,
  };
  const key = sha256(canonicalJson({ version: 1, scope, ...asked, messages }));
  // Hashing a long prompt twice costs: the prefix only for a project that matches semantically.
  // A native request's turns are compared through their translation, so one that does not translate whole is not.
  if (!options.semantic || native?.untranslatable) return { key, prefixHash: "" };
  const last = lastUserIndex(messages);
  const lastUserText = last === -1 ? undefined : textOf(messages[last] as ChatMessage);
  const prefixMessages = messages.map((message, index) =>
    index === last ? { role: "user", content: "<last user turn>" } : message,
  );
  const prefix = {
    ...asked,
    // The native body less its turns (`messages`, Responses' `input`): the translation above carries them.
    native: native
      ? { protocol: native.request.protocol, body: withoutTurns(asked.native?.body ?? {}) }
      : null,
  };
  const prefixHash = sha256(canonicalJson({ version: 1, scope, ...prefix, messages: prefixMessages }));
  return { key, prefixHash, ...(lastUserText !== undefined ? { lastUserText } : {}) };
}

function withoutTurns(body: Record<string, unknown>): Record<string, unknown> {
  const { messages: _messages, input: _input, ...rest } = body;
  return rest;
}

/** JSON with object keys sorted at every depth and undefined members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  const sorted: Record<string, unknown> = {};
  for (const name of Object.keys(value).sort()) {
    const member = (value as Record<string, unknown>)[name];
    if (member !== undefined) sorted[name] = sortKeys(member);
  }
  return sorted;
}

function withoutIgnored(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !notInKey.has(name)));
}

function lastUserIndex(messages: ChatMessage[]): number {
  for (let index = messages.length - 1; index >= 0; index--) {
    if (messages[index]?.role === "user") return index;
  }
  return -1;
}

/** A message's text, or undefined when it holds anything but text (an image is not embedded). */
function textOf(message: ChatMessage): string | undefined {
  if (typeof message.content === "string") return message.content;
  if (!Array.isArray(message.content)) return undefined;
  const texts: string[] = [];
  for (const part of message.content) {
    if (part.type !== "text") return undefined;
    texts.push(part.text);
  }
  return texts.join("\n");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
