import { readFileSync } from "node:fs";
import type { Logger } from "pino";
import type { Alerts } from "./alerts/alerts.js";
import { createResponseCacheStore } from "./cache/create-response-cache-store.js";
import { type ClusterViews, clusterViews } from "./cluster/cluster-views.js";
import { IpcBudgetGuard } from "./cluster/ipc-budget-guard.js";
import { IpcCircuitBreaker } from "./cluster/ipc-circuit-breaker.js";
import { IpcRateLimiter } from "./cluster/ipc-rate-limiter.js";
import { clusterWorkerLink, type WorkerLink } from "./cluster/worker-link.js";
import type { GatewayConfig } from "./config/gateway-config.js";
import { SqliteConversationStore } from "./conversations/sqlite-conversation-store.js";
import type { JobStore } from "./core/background-job.js";
import type { ConversationStore } from "./core/conversation.js";
import type { RequestStore } from "./core/request-record.js";
import type { UsageStore } from "./core/usage-record.js";
import { ClientKeys } from "./gateway/client-keys.js";
import { Gateway } from "./gateway/gateway.js";
import { GovernanceAdmin } from "./gateway/governance-admin.js";
import type { RequestExplorer } from "./gateway/list-requests.js";
import { type GatewayObserver, ObserverList } from "./gateway/request-observer.js";
import {
  type BudgetStandingListener,
  defaultReservationTtlMs,
  type SpentSince,
} from "./governance/budget-guard.js";
import type { GovernancePolicy } from "./governance/governance-policy.js";
import type { GovernanceSettingsStore } from "./governance/governance-settings.js";
import { createGuardSpendReader } from "./governance/guard-spend-reader.js";
import type { KeySpendLedger } from "./governance/key-spend-ledger.js";
import { LiveGovernanceSettings } from "./governance/live-governance-settings.js";
import { LocalBudgetGuard } from "./governance/local-budget-guard.js";
import { LocalRateLimiter } from "./governance/local-rate-limiter.js";
import { SqliteGovernanceStore } from "./governance/sqlite-governance-store.js";
import { SqliteKeySpendLedger } from "./governance/sqlite-key-spend-ledger.js";
import { SqliteJobStore } from "./jobs/sqlite-job-store.js";
import { ActivityFeed } from "./observability/activity-feed.js";
import { PrometheusObserver } from "./observability/prometheus-observer.js";
import { RequestLogObserver } from "./observability/request-log-observer.js";
import type { GatewayTracer } from "./observability/tracing/gateway-tracer.js";
import { TrafficAggregator } from "./observability/traffic-aggregator.js";
import { createProviderAdapters } from "./providers/registry.js";
import type * as RedisParts from "./redis-parts.js";
import { createSecretRedactor } from "./requests/redact-secrets.js";
import { RequestRecorder } from "./requests/request-recorder.js";
import { SqliteRequestStore } from "./requests/sqlite-request-store.js";
import type { CircuitSettings } from "./routing/circuit-breaker.js";
import { Deployments } from "./routing/deployments.js";
import { LocalCircuitBreaker } from "./routing/local-circuit-breaker.js";
import type { UsageRedisClient } from "./usage/create-usage-redis-client.js";
import { SqliteUsageStore } from "./usage/sqlite-usage-store.js";
import { floorToHour, hourMs } from "./usage/usage-period.js";

/** The package version; package.json sits one level above both src/ and dist/. */
export const version: string = JSON.parse(
  readFileSync(new URL("../package.json", import.meta.url), "utf8"),
).version;

/** How long start-up waits for each Redis connection before serving without it. */
const redisReadyTimeoutMs = 2_000;

/** What main and the HTTP door are built from. */
export interface Composition {
  gateway: Gateway;
  metrics: PrometheusObserver;
  activity: ActivityFeed;
  /** Latency, errors and refusals per minute over the last hour, for the dashboard's traffic views. */
  traffic: TrafficAggregator;
  /** The request log, which the HTTP door tells when each request starts and is answered. */
  requestLog: RequestLogObserver;
  /**
   * Webhook alerts; undefined without a webhook URL. Circuits and attempts reach it as an
   * observer; the budget guards give it each budget's standing after a settle or a refusal.
   */
  alerts: Alerts | undefined;
  /** OpenTelemetry tracing; undefined unless an OTLP endpoint is configured (`OTEL_EXPORTER_OTLP_ENDPOINT`). */
  tracer?: GatewayTracer | undefined;
  /** In a cluster worker (`serve --workers N`): /metrics and the dashboard's views over every worker. */
  cluster?: ClusterViews | undefined;
}

/** Builds every concrete part from the configuration: the one place that does. */
export async function composeGateway(config: GatewayConfig, logger: Logger): Promise<Composition> {
  // Bound late: the circuit breaker reports transitions before metrics exist.
  const requestLog = new RequestLogObserver(logger);
  // A cluster worker's channel to its primary; without Redis, the primary keeps what must be exact.
  const link = clusterWorkerLink();
  const observers: GatewayObserver[] = [requestLog];
  const observer = new ObserverList(observers);
  const deployments = new Deployments(config, await createProviderAdapters(config.providers));
  const circuitSettings: CircuitSettings = {
    failureThreshold: config.circuit.failureThreshold,
    cooldownMs: config.circuit.cooldownMs,
    onTransition: (transition) => observer.circuitChanged(transition),
  };
  // Imported only with a Redis URL: without one neither ioredis nor a Redis store is loaded.
  const redisUrl = config.redisUrl;
  const redis = redisUrl ? await import("./redis-parts.js") : undefined;
  // Connected side by side (connectRedis never rejects): with Redis down, start-up waits out one timeout, not four.
  const connecting =
    redis && redisUrl
      ? [
          connectRedis(redis, redisUrl, config.redisCluster, logger, "circuit breaker"),
          connectRedis(redis, redisUrl, config.redisCluster, logger, "budgets and rate limits"),
          connectRedis(redis, redisUrl, config.redisCluster, logger, "conversations"),
          connectRedis(redis, redisUrl, config.redisCluster, logger, "background jobs"),
          connectRedis(redis, redisUrl, config.redisCluster, logger, "request explorer"),
          ...(config.alerts.webhookUrls.length > 0
            ? [connectRedis(redis, redisUrl, config.redisCluster, logger, "alerts")]
            : []),
        ]
      : [];
  const responseCacheOpening = createResponseCacheStore(config, logger, redisReadyTimeoutMs);
  const store = await openUsageStore(config, redis, logger).catch(async (error: unknown) => {
    for (const client of await Promise.all(connecting)) client.disconnect();
    await (await responseCacheOpening)?.close();
    throw error;
  });
  const [breakerClient, governanceClient, conversationClient, jobClient, requestClient, alertsClient] =
    await Promise.all(connecting);
  const responseCache = await responseCacheOpening;
  // Beside the usage store: shared by every replica with Redis, else a file of the data dir.
  const conversations: ConversationStore =
    redis && conversationClient
      ? new redis.RedisConversationStore({
          client: conversationClient,
          keyPrefix: config.redisKeyPrefix,
          ttlMs: config.conversationTtlMs,
        })
      : new SqliteConversationStore({ dataDir: config.dataDir, ttlMs: config.conversationTtlMs });
  const jobs: JobStore =
    redis && jobClient
      ? new redis.RedisJobStore({
          client: jobClient,
          keyPrefix: config.redisKeyPrefix,
          ttlMs: config.jobTtlMs,
        })
      : new SqliteJobStore({ dataDir: config.dataDir, ttlMs: config.jobTtlMs });
  // With Redis every replica shares circuit state; the breaker owns (and closes) its own connections.
  const circuits =
    redis && breakerClient
      ? new redis.RedisCircuitBreaker({
          ...circuitSettings,
          client: breakerClient,
          keyPrefix: config.redisKeyPrefix,
          trialLeaseMs: config.requestTimeoutMs,
          logger,
        })
      : link
        ? await IpcCircuitBreaker.open(link, circuitSettings)
        : new LocalCircuitBreaker(circuitSettings);
  // Managed keys and stored budgets/limits, beside the usage store: every replica's view follows within 1 s.
  const settingsStore: GovernanceSettingsStore =
    redis && governanceClient
      ? new redis.RedisGovernanceStore({
          client: governanceClient,
          keyPrefix: config.redisKeyPrefix,
          subscriber: redis.redisSubscriberConnection(governanceClient),
          logger,
        })
      : new SqliteGovernanceStore({ dataDir: config.dataDir });
  const settings = await LiveGovernanceSettings.open({ store: settingsStore, config, logger });
  // Bound late: the guards report standings before alerts exist (and without a webhook they never do).
  let alerts: Alerts | undefined;
  const governance = await composeGovernance(
    config,
    settings,
    store,
    redis,
    governanceClient,
    logger,
    (change) => {
      void alerts?.budgetSettled(change);
    },
    link,
  );
  // Client keys live on only as digests: the config the gateway keeps has them removed.
  const clientKeys = new ClientKeys(config.clientKeys, settings);
  if (!clientKeys.enabled && settings.keys().length > 0) {
    logger.warn(
      "managed client keys are stored but no client key is configured: the gateway runs without authentication and ignores them",
    );
  }
  // The admin API's `standing` and `spend` read the guards' counters and the key ledger, as get_usage does.
  const admin = new GovernanceAdmin({
    settings,
    clientKeys,
    config,
    spend: governance.spend,
    rateLimiter: governance.rateLimiter,
    logger,
  });
  const keptConfig = {
    ...config,
    clientKeys: config.clientKeys.map((entry) => ({ ...entry, key: "[hashed]" })),
  };
  const metrics = new PrometheusObserver({ deployments, circuits, store });
  const activity = new ActivityFeed();
  const traffic = new TrafficAggregator();
  const requestRecorder = composeRequestRecorder(config, redis, requestClient, logger);
  observers.push(metrics, activity, traffic, requestRecorder.recorder);
  // Imported only when an OTLP endpoint is set: without one no OpenTelemetry code is loaded.
  const tracer = config.tracing
    ? (await import("./observability/tracing/gateway-tracer.js")).startGatewayTracer(
        config.tracing,
        config,
        version,
        logger,
      )
    : undefined;
  if (tracer) observers.push(tracer);
  // Imported only with a webhook: without one no alerting code is loaded.
  alerts =
    config.alerts.webhookUrls.length === 0
      ? undefined
      : (await import("./alerts/create-alerts.js")).createAlerts({
          config: config.alerts,
          logger,
          source: `llm-gateway ${version}`,
          dataDir: config.dataDir,
          ...(alertsClient ? { redis: { client: alertsClient, keyPrefix: config.redisKeyPrefix } } : {}),
          // Config keys never expire; managed ones as this replica's live view has them now (read on every scan).
          keySource: () => [
            ...config.clientKeys.map((entry) => ({ keyId: entry.name, name: entry.name, expiresAt: null })),
            ...settings.keys().map((key) => ({
              keyId: key.id,
              name: key.name,
              expiresAt: key.expiresAtMs ?? null,
              revoked: key.revokedAtMs !== undefined,
            })),
          ],
          circuitCooldownMs: config.circuit.cooldownMs,
        });
  if (alerts) {
    observers.push(alerts);
    alerts.start();
  }
  const cancellationBus =
    redis && governanceClient
      ? new redis.RedisCancellationBus(governanceClient, config.redisKeyPrefix, logger)
      : undefined;
  const gateway = new Gateway({
    config: keptConfig,
    cancellationBus,
    deployments,
    circuits,
    store,
    conversations,
    jobs,
    logger,
    version,
    clientKeys,
    observer,
    admin,
    responseCache,
    requests: requestRecorder.explorer,
    ...governance,
    // Alerts first: their last deliveries go out while the other connections are still open; then the
    // settings' poll and subscriber, before the shared Redis connection goes.
    release: async () => {
      await alerts?.close();
      await settings.close();
      await governance.release?.();
      // Last: the spans of requests that drained during shutdown still go out.
      await tracer?.shutdown();
      // Lets the worker exit: an open IPC channel would keep it alive.
      link?.close();
    },
  });
  const cluster = link ? clusterViews(link, { metrics, traffic, activity }) : undefined;
  return { gateway, metrics, activity, traffic, requestLog, alerts, tracer, cluster };
}

/**
 * The request explorer: a store in the usage store's engine (Redis shared by replicas, else a
 * SQLite file of the data dir), fed by an observer that writes off the request path. Kept bodies
 * are redacted of every provider and client key this configuration holds, and of key shapes.
 */
function composeRequestRecorder(
  config: GatewayConfig,
  redis: typeof RedisParts | undefined,
  client: UsageRedisClient | undefined,
  logger: Logger,
): { recorder: RequestRecorder; explorer: RequestExplorer } {
  const { retentionMs, maxRows } = config.requestExplorer;
  const store: RequestStore =
    redis && client
      ? new redis.RedisRequestStore({ client, keyPrefix: config.redisKeyPrefix, retentionMs, maxRows })
      : new SqliteRequestStore({ dataDir: config.dataDir, retentionMs, maxRows });
  const redact = createSecretRedactor([
    ...Object.values(config.providers).flatMap((provider) => [
      provider.apiKey,
      provider.bedrock?.credentials?.secretAccessKey,
      provider.bedrock?.credentials?.sessionToken,
    ]),
    ...config.clientKeys.map((entry) => entry.key),
  ]);
  const recorder = new RequestRecorder({ store, logger, redact });
  return { recorder, explorer: { store, flush: () => recorder.flush() } };
}

/**
 * Budgets and rate limits: shared through Redis by every replica when it is
 * configured, else in this process. Either way budgets are seeded from the
 * usage store, so a restart, or a budget added mid-month, counts the spend
 * already booked in the day and month. Managed keys' spend is kept beside
 * them: Redis counters, or a SQLite file of the data dir.
 */
async function composeGovernance(
  config: GatewayConfig,
  policy: GovernancePolicy,
  store: UsageStore,
  redis: typeof RedisParts | undefined,
  client: UsageRedisClient | undefined,
  logger: Logger,
  onStanding: BudgetStandingListener,
  link: WorkerLink | undefined,
) {
  const spentSince: SpentSince = async (projectId, agentId, fromMs) =>
    (await store.summarize({ projectId, agentId, fromMs, toMs: floorToHour(Date.now()) + hourMs }))
      .costNanoUsd;
  if (redis && client) {
    const keySpend: KeySpendLedger = new redis.RedisKeySpendLedger({
      client,
      keyPrefix: config.redisKeyPrefix,
    });
    const budgetGuard = new redis.RedisBudgetGuard({
      client,
      keyPrefix: config.redisKeyPrefix,
      policy,
      failClosed: config.budgetsFailClosed,
      reservationTtlMs: Math.max(defaultReservationTtlMs, config.requestTimeoutMs * 2),
      logger,
      spentSince,
      onStanding,
    });
    return {
      policy,
      keySpend,
      budgetGuard,
      // Shared by get_usage and the admin API.
      spend: createGuardSpendReader({ budgetGuard, keySpend }),
      rateLimiter: new redis.RedisRateLimiter({
        client,
        keyPrefix: config.redisKeyPrefix,
        // The live policy: limits set through the admin API apply to the next request.
        policy,
        logger,
      }),
      release: async () => {
        client.disconnect();
      },
    };
  }
  const keySpend: KeySpendLedger = new SqliteKeySpendLedger({ dataDir: config.dataDir });
  if (link) {
    // A cluster worker: the primary holds the cluster's one guard and limiter (and books key spend).
    const budgetGuard = await IpcBudgetGuard.open({ link, policy, onStanding });
    return {
      policy,
      keySpend,
      budgetGuard,
      spend: createGuardSpendReader({ budgetGuard, keySpend }),
      rateLimiter: new IpcRateLimiter({ link, policy }),
      release: () => keySpend.close(),
    };
  }
  const budgetGuard = await LocalBudgetGuard.create({
    policy,
    spentSince,
    keySpend,
    onStanding,
    reservationTtlMs: Math.max(defaultReservationTtlMs, config.requestTimeoutMs * 2),
  }).catch(async (error: unknown) => {
    await keySpend.close();
    throw error;
  });
  return {
    policy,
    keySpend,
    budgetGuard,
    spend: createGuardSpendReader({ budgetGuard, keySpend }),
    rateLimiter: new LocalRateLimiter({ policy }),
    release: () => keySpend.close(),
  };
}

/**
 * A fail-fast client, connected before the gateway serves: budgets would
 * otherwise admit the first requests unchecked (fail open) and breakers
 * would miss other replicas' open circuits. Redis down at start-up is an
 * outage like any other: logged, then served as the settings say.
 */
async function connectRedis(
  { createUsageRedisClient, waitUntilRedisReady }: typeof RedisParts,
  redisUrl: string,
  cluster: boolean,
  logger: Logger,
  name: string,
): Promise<UsageRedisClient> {
  const client = createUsageRedisClient(redisUrl, { cluster, logger, name });
  if (!(await waitUntilRedisReady(client, redisReadyTimeoutMs))) {
    logger.warn(
      { timeoutMs: redisReadyTimeoutMs },
      `${name}: Redis not reachable at start-up; serving without it`,
    );
  }
  return client;
}

/** Redis backed by the local journal with a Redis URL (createUsageStore), else the data dir's SQLite file. */
async function openUsageStore(
  config: GatewayConfig,
  redis: typeof RedisParts | undefined,
  logger: Logger,
): Promise<UsageStore> {
  if (!redis) return new SqliteUsageStore({ dataDir: config.dataDir, logger });
  return redis.createUsageStore({
    dataDir: config.dataDir,
    redisUrl: config.redisUrl,
    redisCluster: config.redisCluster,
    redisKeyPrefix: config.redisKeyPrefix,
    logger,
  });
}
