import type { Logger } from "pino";
import type { GatewayConfig } from "../config/gateway-config.js";
import type { JobStore } from "../core/background-job.js";
import type { CancellationBus } from "../core/cancellation-bus.js";
import type { ChatCompletionChunk } from "../core/chat.js";
import type { ConversationStore, ConversationSummary, StoredConversation } from "../core/conversation.js";
import type { RequestPage, RequestRecord } from "../core/request-record.js";
import type { ResponseCacheStore } from "../core/response-cache.js";
import type { UsageStore } from "../core/usage-record.js";
import type { BudgetGuard } from "../governance/budget-guard.js";
import type { GovernancePolicy } from "../governance/governance-policy.js";
import { createGuardSpendReader } from "../governance/guard-spend-reader.js";
import { type KeySpendLedger, memoryKeySpendLedger } from "../governance/key-spend-ledger.js";
import type { RateLimiter } from "../governance/rate-limiter.js";
import type { SpendReader } from "../governance/spend-reader.js";
import type { CircuitBreaker } from "../routing/circuit-breaker.js";
import type { Deployments } from "../routing/deployments.js";
import { FailoverRouter } from "../routing/failover-router.js";
import { FirstTokenTimes } from "../routing/first-token-times.js";
import { Admission } from "./admission.js";
import { BackgroundJobs, type JobView } from "./background-jobs.js";
import { readUsageBudgets } from "./budget-standing.js";
import type { Caller } from "./caller.js";
import type { ChatCallOptions, ChatInput, ChatOutcome, ChatResult } from "./chat-types.js";
import type { ClientKeys } from "./client-keys.js";
import { type ChatContext, completeChat } from "./complete-chat.js";
import { type ConverseOutcome, converse, readConversation } from "./converse.js";
import { type CountTokensInput, type CountTokensResult, countTokens } from "./count-tokens.js";
import { createEmbeddings, type EmbeddingsInput, type EmbeddingsResult } from "./create-embeddings.js";
import { type FanOutInput, type FanOutOptions, type FanOutResult, fanOutChat } from "./fan-out-chat.js";
import { finishedWithError, finishedWithResult, partialTextOf } from "./finished-request.js";
import { type FittedText, fitResult } from "./fit-result.js";
import { getUsage, type UsageReport, type UsageRequest } from "./get-usage.js";
import type { GovernanceAdmin } from "./governance-admin.js";
import { checkHealth, type HealthReport } from "./health.js";
import { InFlightCalls } from "./in-flight-calls.js";
import { KeptResults } from "./kept-results.js";
import {
  describeDeployments,
  type ListedDeployment,
  listModels,
  type ModelListing,
  type ModelPricePerMtok,
  pricePerMtok,
} from "./list-models.js";
import { listProjects } from "./list-projects.js";
import { getRequest, listRequests, type RequestExplorer, type RequestFilters } from "./list-requests.js";
import { ModelAliases } from "./model-aliases.js";
import { assertMayUseModels, mayUseModel, targetsForCaller } from "./model-permission.js";
import { assertMayActFor, type Principal } from "./principal.js";
import type { GatewayObserver } from "./request-observer.js";
import { ResponseCache } from "./response-cache.js";
import { TokenCounter } from "./token-counter.js";
import { UsageBooker } from "./usage-booker.js";

export interface GatewayDependencies {
  config: GatewayConfig;
  deployments: Deployments;
  circuits: CircuitBreaker;
  store: UsageStore;
  /** Conversations continued across calls, in the usage store's engine. */
  conversations: ConversationStore;
  /** Background calls' state, in the same engine: any replica answers for a job. */
  jobs: JobStore;
  budgetGuard: BudgetGuard;
  rateLimiter: RateLimiter;
  /** Managed keys' spend (get_usage shows the caller's own); none reported when absent. */
  keySpend?: KeySpendLedger;
  /** Standings and key spend, shared with the admin API; built from the guard and `keySpend` when absent. */
  spend?: SpendReader;
  /** Client keys as digests; the config the gateway keeps has the keys themselves removed. */
  clientKeys: ClientKeys;
  /** Told of every finished request (logs, metrics, the dashboard's feed). */
  observer: GatewayObserver;
  logger: Logger;
  version: string;
  /** Carries cancellations to the replica holding the call (Redis pub/sub); this process only without it. */
  cancellationBus?: CancellationBus;
  /** The admin API's use cases (managed keys, stored budgets and limits). */
  admin: GovernanceAdmin;
  /** The budgets and rate limits in force now: the config's with the stored ones laid over. */
  policy: GovernancePolicy;
  /** Where the response cache keeps answers; undefined: no response cache. */
  responseCache?: ResponseCacheStore;
  /** The request explorer (GET /v1/requests): required, as every composed gateway keeps one. */
  requests: RequestExplorer;
  /** Releases what composition opened besides the parts above (shared connections), last on close. */
  release?: () => Promise<void>;
}

/** What a background chat call keeps for its caller: what a direct call would have returned. */
export interface BackgroundChatAnswer {
  result: ChatResult;
  conversationId?: string;
  turnsLeftOut: number;
}

/**
 * The use cases both doors share (route -> book usage -> return). HTTP and
 * MCP only translate their wire shapes to these calls and back.
 */
export class Gateway {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly version: string;
  readonly clientKeys: ClientKeys;
  readonly admin: GovernanceAdmin;
  readonly policy: GovernancePolicy;
  /** Calls a later message may cancel (MCP notifications/cancelled), across replicas with Redis. */
  readonly inFlight: InFlightCalls;
  private readonly startedAt = Date.now();
  private readonly tokenCounter = new TokenCounter();
  private readonly booker: UsageBooker;
  private readonly chatContext: ChatContext;
  private readonly admission: Admission;
  /** Spend per managed key and budget standings: get_usage reads it, the admin API may too. */
  readonly spend: SpendReader;
  private readonly observer: GatewayObserver;
  private readonly aliases: ModelAliases;
  private readonly keptResults: KeptResults;
  private readonly jobs: BackgroundJobs<BackgroundChatAnswer>;

  constructor(private readonly dependencies: GatewayDependencies) {
    this.config = dependencies.config;
    this.logger = dependencies.logger;
    this.version = dependencies.version;
    this.clientKeys = dependencies.clientKeys;
    this.admin = dependencies.admin;
    this.policy = dependencies.policy;
    this.observer = dependencies.observer;
    this.inFlight = new InFlightCalls(dependencies.cancellationBus);
    this.aliases = new ModelAliases(dependencies.config.modelAliases);
    this.keptResults = new KeptResults(dependencies.config.mcpResultTtlMs);
    this.jobs = new BackgroundJobs(dependencies.jobs, dependencies.logger, dependencies.cancellationBus);
    this.booker = new UsageBooker(dependencies.store, dependencies.logger, dependencies.rateLimiter);
    this.spend =
      dependencies.spend ??
      createGuardSpendReader({
        budgetGuard: dependencies.budgetGuard,
        keySpend: dependencies.keySpend ?? memoryKeySpendLedger(),
      });
    this.admission = new Admission(this.policy, dependencies.budgetGuard, dependencies.rateLimiter);
    this.chatContext = {
      deployments: dependencies.deployments,
      admission: this.admission,
      router: new FailoverRouter(dependencies.circuits, dependencies.config.retry, dependencies.logger),
      booker: this.booker,
      tokenCounter: this.tokenCounter,
      requestTimeoutMs: dependencies.config.requestTimeoutMs,
      maxCallMs: dependencies.config.maxCallMs,
      providerStreaming: dependencies.config.providerStreaming,
      logger: dependencies.logger,
      autoCacheBreakpoints: dependencies.config.autoCacheBreakpoints,
      hedging: dependencies.config.hedging,
      firstTokenTimes: new FirstTokenTimes(),
    };
    if (dependencies.responseCache) {
      // Semantic matching embeds with the gateway's own use case, booked as a request of its own.
      this.chatContext.responseCache = new ResponseCache(
        dependencies.responseCache,
        dependencies.config.responseCache,
        dependencies.logger,
        async (text, modelGroup, caller, signal) => {
          const embedCaller = { ...caller, requestId: `${caller.requestId}-cache-embed` };
          const result = await this.embed({ input: [text], modelGroup }, embedCaller, signal);
          const [embedding] = result.embeddings;
          if (!embedding) throw new Error("the embedding call returned no vector");
          return embedding;
        },
      );
    }
  }

  async completeChat(input: ChatInput, caller: Caller, options: ChatCallOptions): Promise<ChatOutcome> {
    const shape = {
      kind: "chat" as const,
      modelGroup: input.model ? null : (input.modelGroup ?? "reasoning"),
      stream: options.onChunk !== undefined,
    };
    const started = performance.now();
    try {
      const outcome = await completeChat(this.chatContext, input, caller, options);
      // A hit's usage is what the answer took once; metrics count what providers processed now: none.
      const observed =
        outcome.cache === "hit" ? { ...outcome.result, usage: { input_tokens: 0 } } : outcome.result;
      const finished = finishedWithResult(caller, shape, observed, outcome.result.latency_ms, {
        estimated: outcome.estimated,
        timeToFirstTokenMs: outcome.timeToFirstTokenMs,
        cacheHit: outcome.cache === "hit",
      });
      if (this.config.requestExplorer.keepBodies) {
        finished.requestBody = input.messages;
        finished.answerText = outcome.result.content;
      }
      this.observer.requestFinished(finished);
      return outcome;
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const finished = finishedWithError(caller, shape, error, latencyMs, options.signal);
      if (this.config.requestExplorer.keepBodies) {
        finished.requestBody = input.messages;
        finished.answerText = partialTextOf(error);
      }
      this.observer.requestFinished(finished);
      throw error;
    }
  }

  /** A chat call continuing `conversationId` (a new conversation without it); the answer is stored as a turn. */
  converse(
    input: ChatInput,
    conversationId: string | undefined,
    caller: Caller,
    options: ChatCallOptions,
  ): Promise<ConverseOutcome> {
    const { conversations, deployments } = this.dependencies;
    return converse(
      { conversations, deployments, tokenCounter: this.tokenCounter, logger: this.logger },
      input,
      conversationId,
      caller,
      (continued) => this.completeChat(continued, caller, options),
    );
  }

  /**
   * `converse` in the background: answers at once with a job whose state any replica reads
   * (`getJob`). The call runs with its own signal, not its request's. An unknown group or
   * model is refused here; what only the call finds out (budget, conversation) ends the job.
   */
  startBackgroundChat(
    input: ChatInput,
    conversationId: string | undefined,
    caller: Caller,
  ): Promise<JobView<BackgroundChatAnswer>> {
    assertMayActFor(caller.principal, caller.projectId);
    targetsForCaller(this.dependencies.deployments, input, "chat", caller.principal);
    return this.jobs.start(caller.projectId, async (signal, onText) => {
      const onChunk = (chunk: ChatCompletionChunk) => {
        const text = chunk.choices[0]?.delta.content;
        if (text) onText(text);
      };
      const outcome = await this.converse(input, conversationId, caller, { signal, onChunk });
      return {
        result: outcome.result,
        ...(outcome.conversationId !== undefined ? { conversationId: outcome.conversationId } : {}),
        turnsLeftOut: outcome.turnsLeftOut,
      };
    });
  }

  /** A job of the caller's project, once it ended or after `waitMs`. */
  getJob(
    id: string,
    caller: Caller,
    waitMs: number,
    signal?: AbortSignal,
  ): Promise<JobView<BackgroundChatAnswer>> {
    assertMayActFor(caller.principal, caller.projectId);
    return this.jobs.get(id, caller.projectId, { waitMs, signal });
  }

  /** Stops a job of the caller's project (what it produced is booked); its state once it ended. */
  cancelJob(id: string, caller: Caller): Promise<JobView<BackgroundChatAnswer>> {
    assertMayActFor(caller.principal, caller.projectId);
    return this.jobs.cancel(id, caller.projectId);
  }

  /** Graceful shutdown's first step: jobs running here stop (booked, stored as lost), so no caller waits on them. */
  stopBackgroundJobs(): Promise<void> {
    return this.jobs.close();
  }

  /** A project's conversations, most recently continued first. */
  listConversations(
    projectId: string,
    principal: Principal | undefined,
    limit: number,
  ): Promise<ConversationSummary[]> {
    assertMayActFor(principal, projectId);
    return this.dependencies.conversations.list(projectId, Date.now(), limit);
  }

  /** One conversation with its turns, if the principal may act for its project. */
  readConversation(id: string, principal: Principal | undefined): Promise<StoredConversation> {
    return readConversation(this.dependencies.conversations, id, principal);
  }

  /** One request asked of several models at once, each entry its own booked call, with an optional judge. */
  fanOutChat(input: FanOutInput, caller: Caller, options: FanOutOptions): Promise<FanOutResult> {
    return fanOutChat(
      {
        completeChat: (one, oneCaller, oneOptions) => this.completeChat(one, oneCaller, oneOptions),
        resolveModel: (name) => this.resolveModel(name),
        assertMayUse: (selection, principal) =>
          assertMayUseModels(principal, selection, "chat", this.dependencies.deployments),
      },
      input,
      caller,
      options,
    );
  }

  /** A result text within `maxTokens`: longer ones are cut and kept whole for `readKeptResult`. */
  fitResult(text: string, maxTokens: number, caller: Caller): Promise<FittedText> {
    return fitResult({ tokenCounter: this.tokenCounter, kept: this.keptResults }, text, maxTokens, {
      projectId: caller.projectId,
      principal: caller.principal,
    });
  }

  /** A cut result's whole text, for the project (or key) whose call produced it. */
  readKeptResult(id: string, principal: Principal | undefined): string {
    return this.keptResults.read(id, principal);
  }

  async embed(input: EmbeddingsInput, caller: Caller, signal: AbortSignal): Promise<EmbeddingsResult> {
    const shape = {
      kind: "embedding" as const,
      modelGroup: input.model ? null : (input.modelGroup ?? "embedding"),
      stream: false,
    };
    const started = performance.now();
    try {
      const result = await createEmbeddings(this.chatContext, input, caller, signal);
      const finished = finishedWithResult(caller, shape, result, result.latency_ms, { estimated: false });
      if (this.config.requestExplorer.keepBodies) finished.requestBody = input.input;
      this.observer.requestFinished(finished);
      return result;
    } catch (error) {
      const latencyMs = Math.round(performance.now() - started);
      const finished = finishedWithError(caller, shape, error, latencyMs, signal);
      if (this.config.requestExplorer.keepBodies) finished.requestBody = input.input;
      this.observer.requestFinished(finished);
      throw error;
    }
  }

  /** Rate-limited like the spending calls: counting a long text costs the gateway CPU. */
  async countTokens(input: CountTokensInput, caller: Caller): Promise<CountTokensResult> {
    await this.admission.admitUnbilled(caller);
    return countTokens(input, this.config.catalog, this.tokenCounter, {
      deployments: this.dependencies.deployments,
      logger: this.logger,
    });
  }

  /**
   * A door's `model` field: a group name, a catalog model, or a name a
   * configured alias maps to one of those (Claude ids Claude Code sends).
   */
  resolveModel(name: string): { modelGroup: string } | { model: string } {
    const { deployments } = this.dependencies;
    const target = deployments.isKnown(name) ? undefined : this.aliases.targetFor(name);
    return deployments.selectorFor(target ?? name);
  }

  /** Whether the key may call a group or catalog model (its `models` list; any without one). */
  mayUseModel(principal: Principal | undefined, name: string): boolean {
    return mayUseModel(principal, name, (group) =>
      Object.hasOwn(this.config.modelGroups, group) ? this.config.modelGroups[group] : undefined,
    );
  }

  /** Whether a name is a model group or a catalog model (aliases are not: a key lists what they map to). */
  isKnownModel(name: string): boolean {
    return this.dependencies.deployments.isKnown(name);
  }

  /** The catalog model a `model` field stands for when only one can answer (count_tokens): a group's first. */
  resolveCountingModel(name: string): string {
    const selector = this.resolveModel(name);
    if ("model" in selector) return selector.model;
    return this.config.modelGroups[selector.modelGroup]?.[0] ?? name;
  }

  /** Groups and catalog models, for GET /v1/models. */
  /** Groups, then catalog models with their prices (USD per million tokens). */
  modelIds(): Array<{ id: string; ownedBy: string; pricePerMtok?: ModelPricePerMtok }> {
    const { deployments } = this.dependencies;
    return [
      ...deployments.groupNames().map((id) => ({ id, ownedBy: "llm-gateway" })),
      ...deployments.models().map((deployment) => ({
        id: deployment.model.name,
        ownedBy: deployment.provider.name,
        pricePerMtok: pricePerMtok(deployment.model.pricing),
      })),
    ];
  }

  /** Each catalog model's deployments with their live state, for GET /v1/models. */
  async modelDeployments(): Promise<Map<string, ListedDeployment[]>> {
    const { deployments, circuits } = this.dependencies;
    const now = Date.now();
    const listed = await Promise.all(
      deployments
        .models()
        .map(
          async ({ model }) =>
            [
              model.name,
              await describeDeployments(deployments.deploymentsOf(model.name), circuits, now),
            ] as const,
        ),
    );
    return new Map(listed);
  }

  listModels(group?: string): Promise<ModelListing> {
    return listModels(this.dependencies.deployments, this.dependencies.circuits, group);
  }

  /** A project's usage; a client key may only read its own projects'. */
  async getUsage(request: UsageRequest, principal: Principal | undefined): Promise<UsageReport> {
    assertMayActFor(principal, request.projectId);
    const [report, budgets] = await Promise.all([
      getUsage(this.dependencies.store, () => this.booker.flush(), request),
      readUsageBudgets(this.spend, this.dependencies.rateLimiter, this.policy, request, principal),
    ]);
    return { ...report, budgets };
  }

  health(): Promise<HealthReport> {
    return checkHealth({ ...this.dependencies, startedAt: this.startedAt });
  }

  /** The projects a client key may read the usage of (the dashboard's picker). */
  listProjects(principal: Principal | undefined): Promise<string[]> {
    return listProjects(this.dependencies.store, () => this.booker.flush(), principal);
  }

  /** Waits for every pending booking, then releases the store and the breaker. */
  /** The request explorer's page: newest first, the key's projects only (a `*` key or no key: all). */
  listRequests(filters: RequestFilters, principal: Principal | undefined): Promise<RequestPage> {
    return listRequests(this.dependencies.requests, filters, principal);
  }

  /** One kept request with its attempts; another project's is GW_ERR_UNKNOWN_REQUEST, as a missing one. */
  getRequest(id: string, principal: Principal | undefined): Promise<RequestRecord> {
    return getRequest(this.dependencies.requests, id, principal);
  }

  async close(): Promise<void> {
    await this.jobs.close();
    await this.booker.flush();
    await this.admission.close();
    await this.dependencies.circuits.close();
    await this.dependencies.store.close();
    await this.dependencies.conversations.close();
    await this.dependencies.jobs.close();
    await this.dependencies.requests.flush();
    await this.dependencies.requests.store.close();
    await this.chatContext.responseCache?.close();
    await this.dependencies.cancellationBus?.close();
    await this.dependencies.release?.();
  }
}
