import type { Worker } from "node:cluster";
import { type ClusterMessage, isClusterMessage, serializeError } from "./cluster-messages.js";

/** Answers one kind of worker question (or report); `worker` is the asking worker's process id. */
export type ClusterHandler = (payload: unknown, worker: number) => unknown;

/** How long a cluster-wide view waits for a worker's share before leaving it out. */
const collectTimeoutMs = 2_000;

/**
 * The primary's end of every worker's IPC channel: routes each worker's calls to the handler
 * registered for their method and answers by id, pushes news to every worker, and assembles
 * views from every worker's share (`gather`). Workers ask for a gather with the call
 * `gather` (payload: the topic), so any worker can answer /metrics for all of them.
 */
export class ClusterHub {
  readonly #handlers = new Map<string, ClusterHandler>();
  readonly #workers = new Map<number, Worker>();
  readonly #collecting = new Map<number, { worker: number; done(value: unknown): void }>();
  #nextCollectId = 0;

  constructor() {
    this.handle("gather", (topic) => this.gather(String(topic)));
  }

  handle(method: string, handler: ClusterHandler): void {
    this.#handlers.set(method, handler);
  }

  /** Starts listening to a forked worker. */
  attach(worker: Worker): void {
    const pid = worker.process.pid ?? -worker.id;
    this.#workers.set(pid, worker);
    worker.on("message", (message: unknown) => {
      if (isClusterMessage(message)) this.#receive(worker, pid, message);
    });
    worker.once("exit", () => {
      this.#workers.delete(pid);
      // Shares it will never send: a view does not wait for them.
      for (const collect of this.#collecting.values()) if (collect.worker === pid) collect.done(undefined);
    });
  }

  /** Sends `payload` under `topic` to every connected worker, or to the one with process id `only`. */
  push(topic: string, payload: unknown, only?: number): void {
    const message: ClusterMessage = { lg: "push", topic, payload };
    for (const [pid, worker] of this.#workers) {
      if (only !== undefined && pid !== only) continue;
      if (worker.isConnected()) worker.send(message, undefined, () => {});
    }
  }

  /** One connected worker's process id (the first), for news that one worker should act on. */
  anyWorker(): number | undefined {
    for (const [pid, worker] of this.#workers) if (worker.isConnected()) return pid;
    return undefined;
  }

  /** Every connected worker's share of `topic`; a worker that fails, exits or is slow is left out. */
  async gather(topic: string): Promise<unknown[]> {
    const shares = [...this.#workers].map(
      ([pid, worker]) =>
        new Promise<unknown>((resolve) => {
          if (!worker.isConnected()) return resolve(undefined);
          const id = ++this.#nextCollectId;
          const timer = setTimeout(() => done(undefined), collectTimeoutMs);
          const done = (value: unknown) => {
            clearTimeout(timer);
            this.#collecting.delete(id);
            resolve(value);
          };
          this.#collecting.set(id, { worker: pid, done });
          worker.send({ lg: "collect", id, topic } satisfies ClusterMessage, undefined, (error) => {
            if (error) done(undefined);
          });
        }),
    );
    return (await Promise.all(shares)).filter((share) => share !== undefined);
  }

  #receive(worker: Worker, pid: number, message: ClusterMessage): void {
    if (message.lg === "collected") {
      this.#collecting.get(message.id)?.done(message.error === undefined ? message.value : undefined);
      return;
    }
    if (message.lg !== "call" && message.lg !== "cast") return;
    const handler = this.#handlers.get(message.method);
    if (message.lg === "cast") {
      try {
        void Promise.resolve(handler?.(message.payload, pid)).catch(() => {});
      } catch {
        // A report nobody can take is dropped, as a lost datagram would be.
      }
      return;
    }
    const { id } = message;
    const reply = (answer: ClusterMessage) => {
      if (worker.isConnected()) worker.send(answer, undefined, () => {});
    };
    if (!handler) {
      reply({ lg: "reply", id, error: { message: `the cluster primary has no "${message.method}"` } });
      return;
    }
    try {
      const value = handler(message.payload, pid);
      if (value instanceof Promise) {
        value.then(
          (resolved: unknown) => reply({ lg: "reply", id, value: resolved }),
          (error: unknown) => reply({ lg: "reply", id, error: serializeError(error) }),
        );
      } else {
        reply({ lg: "reply", id, value });
      }
    } catch (error) {
      reply({ lg: "reply", id, error: serializeError(error) });
    }
  }
}
