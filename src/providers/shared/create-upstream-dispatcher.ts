import { Agent } from "undici";
import type { ProviderTimeouts } from "../../core/provider-adapter.js";

/** A provider's keep-alive pool, carrying the timeouts its calls run under (see `UpstreamDeadlines`). */
export class UpstreamDispatcher extends Agent {
  constructor(readonly timeouts: ProviderTimeouts) {
    super({
      connect: { timeout: timeouts.connectMs },
      // Our own timers enforce the first-byte and idle timeouts: undici's fire up to a second late.
      headersTimeout: 0,
      bodyTimeout: 0,
      keepAliveTimeout: 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: 256,
      pipelining: 1,
    });
  }
}

/** One keep-alive pool per provider; undici's Agent keeps a pool per origin inside it. */
export function createUpstreamDispatcher(timeouts: ProviderTimeouts): UpstreamDispatcher {
  return new UpstreamDispatcher(timeouts);
}
