import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { UsageStore } from "../core/usage-record.js";
import type { FinishedRequest, GatewayObserver } from "../gateway/request-observer.js";
import type { CircuitBreaker, CircuitState, CircuitTransition } from "../routing/circuit-breaker.js";
import type { Deployments } from "../routing/deployments.js";

const circuitValues: Record<CircuitState, number> = { closed: 0, half_open: 1, open: 2 };

const latencyBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Prometheus metrics for /metrics. Counters move on each finished request;
 * circuit states and store health are read when Prometheus scrapes, so they
 * cost nothing between scrapes.
 */
export class PrometheusObserver implements GatewayObserver {
  readonly registry = new Registry();
  private readonly requests: Counter;
  private readonly duration: Histogram;
  private readonly timeToFirstToken: Histogram;
  private readonly tokens: Counter;
  private readonly cost: Counter;
  private readonly failovers: Counter;
  private readonly transitions: Counter;
  private readonly httpResponses: Counter;

  constructor(options: { deployments: Deployments; circuits: CircuitBreaker; store: UsageStore }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: "llm_gateway_" });
    this.requests = new Counter({
      name: "llm_gateway_requests_total",
      help: "Spending requests by door, kind, group, answering provider and model, and outcome.",
      labelNames: ["door", "kind", "group", "provider", "model", "outcome", "error_code"],
      registers,
    });
    this.duration = new Histogram({
      name: "llm_gateway_request_duration_seconds",
      help: "Time from request to the full answer or the error, all attempts included, by outcome.",
      labelNames: ["door", "kind", "group", "provider", "model", "outcome"],
      buckets: latencyBuckets,
      registers,
    });
    this.timeToFirstToken = new Histogram({
      name: "llm_gateway_time_to_first_token_seconds",
      help: "Streams: time from request to the first chunk sent to the caller.",
      labelNames: ["door", "group", "provider", "model"],
      buckets: latencyBuckets,
      registers,
    });
    this.tokens = new Counter({
      name: "llm_gateway_tokens_total",
      help: "Tokens booked, by provider, model and type (input, output, cached_input).",
      labelNames: ["provider", "model", "type"],
      registers,
    });
    this.cost = new Counter({
      name: "llm_gateway_cost_usd_total",
      help: "Cost booked in USD, by provider and model.",
      labelNames: ["provider", "model"],
      registers,
    });
    this.failovers = new Counter({
      name: "llm_gateway_failovers_total",
      help: "Deployments passed over within a request (failed or circuit open), by group and deployment.",
      labelNames: ["group", "provider", "model", "reason"],
      registers,
    });
    this.transitions = new Counter({
      name: "llm_gateway_circuit_transitions_total",
      help: "Circuit state changes this replica caused, by deployment and new state.",
      labelNames: ["deployment", "to"],
      registers,
    });
    new Gauge({
      name: "llm_gateway_circuit_state",
      help: "Circuit state per deployment: 0 closed, 1 half open, 2 open.",
      labelNames: ["deployment", "provider", "model"],
      registers,
      // A cluster's workers share circuits: /metrics over them shows the state, not a sum of it.
      aggregator: "max",
      async collect() {
        for (const deployment of options.deployments.all()) {
          const { state } = await options.circuits.snapshot(deployment.key);
          this.set(
            { deployment: deployment.key, provider: deployment.provider.name, model: deployment.model.name },
            circuitValues[state],
          );
        }
      },
    });
    const backlog = new Gauge({
      name: "llm_gateway_journal_backlog",
      help: "Bookings waiting in the local journal for Redis.",
      registers,
    });
    const journalWritable = new Gauge({
      name: "llm_gateway_journal_writable",
      help: "1 when the local journal can be written.",
      registers,
      aggregator: "min",
    });
    // Registered first of the three, so its collect fills all three before any is written out.
    new Gauge({
      name: "llm_gateway_store_up",
      help: "1 when the usage store answers.",
      registers,
      aggregator: "min",
      async collect() {
        const health = await options.store.health();
        this.set(health.ok ? 1 : 0);
        backlog.set(health.journalBacklog);
        journalWritable.set(health.journalWritable ? 1 : 0);
      },
    });
    this.httpResponses = new Counter({
      name: "llm_gateway_http_responses_total",
      help: "HTTP responses by route and status, including requests refused before any use case ran.",
      labelNames: ["method", "route", "status"],
      registers,
    });
  }

  /** Called by the HTTP door for every response. */
  httpResponded(method: string, route: string, status: number): void {
    this.httpResponses.inc({ method, route, status: String(status) });
  }

  requestFinished(request: FinishedRequest): void {
    const group = request.modelGroup ?? "";
    // A hit is counted under provider "cache": its latency is not the provider's, and it spent nothing.
    const provider = request.cacheHit ? "cache" : (request.provider ?? "");
    const model = request.model ?? "";
    this.requests.inc({
      door: request.door,
      kind: request.kind,
      group,
      provider,
      model,
      outcome: request.outcome,
      error_code: request.errorCode ?? "",
    });
    for (const attempt of request.attempts) {
      if (attempt.outcome === "success") continue;
      this.failovers.inc({
        group,
        provider: attempt.provider,
        model: attempt.model,
        reason: attempt.outcome,
      });
    }
    // Failed requests too (provider "" when none answered): a latency histogram of successes alone
    // hides the time callers spend on requests that end in an error.
    this.duration.observe(
      { door: request.door, kind: request.kind, group, provider, model, outcome: request.outcome },
      request.latencyMs / 1000,
    );
    if (!request.provider) return;
    if (request.timeToFirstTokenMs !== undefined) {
      this.timeToFirstToken.observe(
        { door: request.door, group, provider, model },
        request.timeToFirstTokenMs / 1000,
      );
    }
    this.tokens.inc({ provider, model, type: "input" }, request.inputTokens);
    this.tokens.inc({ provider, model, type: "output" }, request.outputTokens);
    this.tokens.inc({ provider, model, type: "cached_input" }, request.cachedInputTokens);
    this.cost.inc({ provider, model }, request.costUsd);
  }

  circuitChanged(transition: CircuitTransition): void {
    this.transitions.inc({ deployment: transition.key, to: transition.to });
  }
}
