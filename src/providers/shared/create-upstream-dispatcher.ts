import type { Agent } from "undici";
import type { ProviderTimeouts } from "../../core/provider-adapter.js";
import { loadUndici } from "./load-undici.js";

type Undici = Awaited<ReturnType<typeof loadUndici>>;

/** The pool and undici's functions, once loaded. */
export interface LoadedDispatcher {
  /** undici's Agent, which keeps a pool per origin inside it; the same one for every call. */
  agent: Agent;
  undici: Undici;
}

/**
 * A provider's keep-alive pool, carrying the timeouts its calls run under (see `UpstreamDeadlines`).
 * The pool (and undici with it) is made at the provider's first call: start-up loads neither.
 */
export class UpstreamDispatcher {
  /** Set once the first call has loaded it: every later call takes it without a promise. */
  loaded: LoadedDispatcher | undefined;
  #loading: Promise<LoadedDispatcher> | undefined;

  constructor(readonly timeouts: ProviderTimeouts) {}

  load(): Promise<LoadedDispatcher> {
    this.#loading ??= loadUndici().then((undici) => {
      const agent = new undici.Agent({
        connect: { timeout: this.timeouts.connectMs },
        // Our own timers enforce the first-byte and idle timeouts: undici's fire up to a second late.
        headersTimeout: 0,
        bodyTimeout: 0,
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 600_000,
        connections: 256,
        pipelining: 1,
      });
      this.loaded = { agent, undici };
      return this.loaded;
    });
    return this.#loading;
  }
}

/** One keep-alive pool per provider. */
export function createUpstreamDispatcher(timeouts: ProviderTimeouts): UpstreamDispatcher {
  return new UpstreamDispatcher(timeouts);
}
