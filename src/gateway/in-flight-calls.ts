import type { CancellationBus } from "../core/cancellation-bus.js";
import { ClientAbortError } from "../core/client-abort-error.js";

/** What the registry answers about one cancellation. */
export type CancelOutcome = "cancelled" | "ambiguous" | "forwarded" | "unknown";

/**
 * Calls a later message may cancel (MCP `notifications/cancelled` names the
 * request by its JSON-RPC id), registered by who made them and that id. Ids
 * are only unique per client, and clients sharing one key may reuse them: a
 * cancellation matching more than one call of the same owner cancels none.
 */
export class InFlightCalls {
  private readonly calls = new Map<string, Set<AbortController>>();

  constructor(private readonly bus?: CancellationBus) {
    bus?.subscribe((key) => this.abortHere(key));
  }

  /** Registers a call; `finish` must be called when it ends, however it ends. */
  start(owner: string, id: string | number): { signal: AbortSignal; abort(): void; finish(): void } {
    const key = callKey(owner, id);
    const controller = new AbortController();
    let registered = this.calls.get(key);
    if (!registered) {
      registered = new Set();
      this.calls.set(key, registered);
    }
    registered.add(controller);
    return {
      signal: controller.signal,
      abort: () => controller.abort(new ClientAbortError("the client closed the response stream")),
      finish: () => {
        registered.delete(controller);
        if (registered.size === 0 && this.calls.get(key) === registered) this.calls.delete(key);
      },
    };
  }

  async cancel(owner: string, id: string | number): Promise<CancelOutcome> {
    const key = callKey(owner, id);
    const here = this.abortHere(key);
    if (here !== "unknown" || !this.bus) return here;
    await this.bus.publish(key);
    return "forwarded";
  }

  get size(): number {
    return this.calls.size;
  }

  private abortHere(key: string): CancelOutcome {
    const registered = this.calls.get(key);
    if (!registered || registered.size === 0) return "unknown";
    if (registered.size > 1) return "ambiguous";
    for (const controller of registered)
      controller.abort(new ClientAbortError("the client cancelled the request"));
    return "cancelled";
  }
}

function callKey(owner: string, id: string | number): string {
  return JSON.stringify([owner, id]);
}
