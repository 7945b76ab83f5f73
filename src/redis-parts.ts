/**
 * Every Redis-backed part the composition builds, in one module that
 * compose-gateway imports only when `LLM_GATEWAY_REDIS_URL` is set: without
 * Redis, start-up loads neither ioredis nor any of these.
 */
export { RedisConversationStore } from "./conversations/redis-conversation-store.js";
export { RedisBudgetGuard } from "./governance/redis-budget-guard.js";
export { RedisGovernanceStore } from "./governance/redis-governance-store.js";
export { RedisKeySpendLedger } from "./governance/redis-key-spend-ledger.js";
export { RedisRateLimiter } from "./governance/redis-rate-limiter.js";
export { RedisJobStore } from "./jobs/redis-job-store.js";
export { RedisRequestStore } from "./requests/redis-request-store.js";
export { RedisCancellationBus } from "./routing/redis-cancellation-bus.js";
export { RedisCircuitBreaker } from "./routing/redis-circuit-breaker.js";
export { redisSubscriberConnection } from "./routing/redis-subscriber-connection.js";
export { createUsageRedisClient, waitUntilRedisReady } from "./usage/create-usage-redis-client.js";
export { createUsageStore } from "./usage/create-usage-store.js";
