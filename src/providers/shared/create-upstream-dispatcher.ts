import { Agent } from "undici";
import type { ProviderTimeouts } from "../../core/provider-adapter.js";

/**
 * One keep-alive pool per provider; undici's Agent keeps a pool per origin
 * inside it. `headersTimeout` is the first-byte timeout, `bodyTimeout` the
 * longest silence between body chunks (a stalled stream).
 */
export function createUpstreamDispatcher(timeouts: ProviderTimeouts): Agent {
  return new Agent({
    connect: { timeout: timeouts.connectMs },
    headersTimeout: timeouts.firstByteMs,
    bodyTimeout: timeouts.idleMs,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: 256,
    pipelining: 1,
  });
}
