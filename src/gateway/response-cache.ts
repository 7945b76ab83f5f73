import type { Logger } from "pino";
import type { CacheRules, ResponseCacheConfig, SemanticCacheRules } from "../config/response-cache-config.js";
import type { CachedAnswer, ResponseCacheStore } from "../core/response-cache.js";
import type { Caller } from "./caller.js";
import type { ChatInput, ChatOutcome } from "./chat-types.js";
import { type ResponseCacheKeys, responseCacheKeys } from "./response-cache-key.js";

/**
 * What the caller asked of the cache (HTTP `Cache-Control`, the MCP `cache`
 * argument): `no-cache` is `read: false`, `no-store` neither read nor write,
 * `max-age=N` accepts only an entry at most N seconds old.
 */
export interface CacheDirectives {
  read: boolean;
  write: boolean;
  maxAgeMs?: number;
}

/** Embeds one text with a model group, booked to the caller; the gateway's own create-embeddings use case. */
export type EmbedText = (
  text: string,
  modelGroup: string,
  caller: Caller,
  signal: AbortSignal,
) => Promise<number[]>;

/** The cache's part in one request: where its answer is looked up and kept. */
export interface CachePlan {
  keys: ResponseCacheKeys;
  rules: CacheRules;
  directives: CacheDirectives;
  semantic?: SemanticCacheRules;
  /** The last user turn's embedding, once a semantic lookup computed it (kept with the answer). */
  embedding?: number[];
}

/**
 * The response cache in front of routing. It fails open: an engine that
 * throws (Redis down, a SQLite error) is logged and the request goes to a
 * provider as if the cache were empty; writing an answer never fails a request.
 */
export class ResponseCache {
  /** Writes under way, so `close` lets them land; a write never holds up the answer it keeps. */
  private readonly writing = new Set<Promise<void>>();
  /** Until when the engine counts as down: a sick Redis then costs requests nothing (no command timeouts). */
  private downUntil = 0;

  constructor(
    private readonly store: ResponseCacheStore,
    private readonly config: ResponseCacheConfig,
    private readonly logger: Logger,
    private readonly embed?: EmbedText,
    /** How long the cache is skipped after the engine failed. */
    private readonly retryAfterMs = 5_000,
  ) {}

  /**
   * The plan for a request, or undefined when the cache does not apply: it is
   * off for the project or group, the caller said `no-store`, the request is
   * not deterministic (temperature 0) or offers tools and the rules do not opt
   * those in, or its answer could not be replayed faithfully (audio).
   */
  plan(input: ChatInput, caller: Caller, directives: CacheDirectives | undefined): CachePlan | undefined {
    const asked = directives ?? { read: true, write: true };
    if (!asked.read && !asked.write) return undefined;
    const { rules, semantic } = this.rulesFor(
      caller.projectId,
      input.model ? undefined : (input.modelGroup ?? "reasoning"),
    );
    if (!rules.enabled) return undefined;
    if (input.temperature !== 0 && !rules.nondeterministic) return undefined;
    if ((input.tools?.length ?? 0) > 0 && !rules.toolCalls) return undefined;
    if (input.modalities?.includes("audio")) return undefined;
    if (storedByProvider(input)) return undefined;
    const scope = this.config.sharedAcrossProjects ? "*" : `project:${caller.projectId}`;
    const semantically = semantic !== undefined && this.embed !== undefined;
    return {
      keys: responseCacheKeys(input, scope, { semantic: semantically }),
      rules,
      directives: asked,
      ...(semantically ? { semantic } : {}),
    };
  }

  /** The cached answer for the plan, exact first, then (opted in) the most similar; undefined on a miss. */
  async lookup(plan: CachePlan, caller: Caller, signal: AbortSignal): Promise<CachedAnswer | undefined> {
    if (!plan.directives.read || this.isDown()) return undefined;
    const notBeforeMs = plan.directives.maxAgeMs === undefined ? 0 : Date.now() - plan.directives.maxAgeMs;
    try {
      const exact = await this.store.get(plan.keys.key);
      if (exact && exact.createdAtMs >= notBeforeMs) return exact;
    } catch (error) {
      this.engineFailed(error, "response cache read failed; asking a provider", caller.requestId);
      return undefined;
    }
    return this.lookupSimilar(plan, caller, signal, notBeforeMs);
  }

  /**
   * Keeps a successful answer (with its embedding, for semantic lookups)
   * unless the caller said otherwise; in the background, so the answer is
   * not held up by the engine. An engine's commands go out in call order, so
   * a request sent after this answer was received finds it.
   */
  keep(plan: CachePlan, outcome: ChatOutcome, costNanoUsd: number): void {
    if (!plan.directives.write || this.isDown()) return;
    const writing = this.write(plan, outcome, costNanoUsd).finally(() => this.writing.delete(writing));
    this.writing.add(writing);
  }

  private async write(plan: CachePlan, outcome: ChatOutcome, costNanoUsd: number): Promise<void> {
    const answer: CachedAnswer = {
      completion: outcome.completion,
      provider: outcome.result.provider,
      model: outcome.result.model,
      costNanoUsd,
      createdAtMs: Date.now(),
    };
    const vector = plan.embedding
      ? { prefixHash: plan.keys.prefixHash, embedding: plan.embedding }
      : undefined;
    try {
      await this.store.set(plan.keys.key, answer, plan.rules.ttlMs, vector);
    } catch (error) {
      this.engineFailed(error, "response cache write failed; the answer was served, not kept");
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.writing]);
    await this.store.close();
  }

  private isDown(): boolean {
    return Date.now() < this.downUntil;
  }

  /** Logged once an outage: until `retryAfterMs` passes, requests skip the cache instead of waiting on it. */
  private engineFailed(error: unknown, message: string, requestId?: string): void {
    if (!this.isDown()) {
      this.logger.warn(
        { err: error, requestId, backend: this.store.backend, retryAfterMs: this.retryAfterMs },
        message,
      );
    }
    this.downUntil = Date.now() + this.retryAfterMs;
  }

  private async lookupSimilar(
    plan: CachePlan,
    caller: Caller,
    signal: AbortSignal,
    notBeforeMs: number,
  ): Promise<CachedAnswer | undefined> {
    const text = plan.keys.lastUserText;
    if (!plan.semantic || !this.embed || text === undefined || text.length === 0) return undefined;
    try {
      // Booked as its own request (`<id>-cache-embed`); a failure (no embedding provider) is a miss.
      plan.embedding = await this.embed(text, plan.semantic.modelGroup, caller, signal);
    } catch (error) {
      if (signal.aborted) throw error;
      this.logger.warn(
        { err: error, requestId: caller.requestId },
        "semantic cache lookup failed; asking a provider",
      );
      return undefined;
    }
    try {
      const found = await this.store.nearest(
        plan.keys.prefixHash,
        plan.embedding,
        plan.semantic.threshold,
        notBeforeMs,
      );
      return found?.answer;
    } catch (error) {
      this.engineFailed(error, "semantic cache lookup failed; asking a provider", caller.requestId);
      return undefined;
    }
  }

  private rulesFor(projectId: string, modelGroup: string | undefined) {
    const group = modelGroup ? this.config.modelGroups[modelGroup] : undefined;
    const project = Object.hasOwn(this.config.projects, projectId)
      ? this.config.projects[projectId]
      : undefined;
    const { semantic, ...projectRules } = project ?? {};
    return { rules: { ...this.config.defaults, ...group, ...projectRules }, semantic };
  }
}

/**
 * A Responses request the provider is asked to store (`store` absent or
 * true, the API's default): a replayed answer would carry an id the provider
 * never stored, so a later `previous_response_id` naming it would fail there.
 */
function storedByProvider(input: ChatInput): boolean {
  const native = input.native?.request;
  return native?.protocol === "openai-responses" && native.body.store !== false;
}

/** Parses `Cache-Control` request directives; undefined when the header says nothing about reading or storing. */
export function cacheDirectivesFromHeader(
  header: string | string[] | undefined,
): CacheDirectives | undefined {
  if (header === undefined) return undefined;
  const directives = (Array.isArray(header) ? header.join(",") : header)
    .split(",")
    .map((part) => part.trim().toLowerCase())
    .filter(Boolean);
  const result: CacheDirectives = { read: true, write: true };
  for (const directive of directives) {
    if (directive === "no-store") {
      result.read = false;
      result.write = false;
    } else if (directive === "no-cache") {
      result.read = false;
    } else if (directive.startsWith("max-age=")) {
      const seconds = Number(directive.slice("max-age=".length));
      // max-age=0 is no-cache in HTTP terms: any stored entry is too old.
      if (seconds === 0) result.read = false;
      else if (Number.isInteger(seconds) && seconds > 0) result.maxAgeMs = seconds * 1000;
    }
  }
  return result;
}
