import type { Agent } from "undici";
import type { ProviderTimeouts } from "../../core/provider-adapter.js";
import { loadUndici } from "./load-undici.js";

/**
 * A provider's keep-alive pool, carrying the timeouts its calls run under (see `UpstreamDeadlines`).
 * The pool (and undici with it) is made at the provider's first call: start-up loads neither.
 */
export class UpstreamDispatcher {
  #agent: Promise<Agent> | undefined;

  constructor(readonly timeouts: ProviderTimeouts) {}

  /** undici's Agent, which keeps a pool per origin inside it; the same one for every call. */
  agent(): Promise<Agent> {
    this.#agent ??= loadUndici().then(
      ({ Agent }) =>
        new Agent({
          connect: { timeout: this.timeouts.connectMs },
          // Our own timers enforce the first-byte and idle timeouts: undici's fire up to a second late.
          headersTimeout: 0,
          bodyTimeout: 0,
          keepAliveTimeout: 30_000,
          keepAliveMaxTimeout: 600_000,
          connections: 256,
          pipelining: 1,
        }),
    );
    return this.#agent;
  }
}

/** One keep-alive pool per provider. */
export function createUpstreamDispatcher(timeouts: ProviderTimeouts): UpstreamDispatcher {
  return new UpstreamDispatcher(timeouts);
}
