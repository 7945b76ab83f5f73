import {
  type ClusterMessage,
  deserializeError,
  isClusterMessage,
  serializeError,
} from "./cluster-messages.js";

/**
 * A cluster worker's end of the IPC channel to its primary: questions answered by id (`call`),
 * reports (`cast`), news the primary pushes (`onPush`), and this worker's share of views the
 * primary assembles from every worker (`provide`).
 *
 * The primary gone (crashed, killed) means the cluster is gone: calls waiting reject, and the
 * worker shuts down gracefully as if told to, unless it already is.
 */
export class WorkerLink {
  readonly #process: NodeJS.Process;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #pushHandlers = new Map<string, Array<(payload: unknown) => void>>();
  readonly #providers = new Map<string, () => unknown>();
  #nextId = 0;
  #connected = true;
  #signalled = false;

  readonly #onPrimaryGone: () => void;

  /** `onPrimaryGone`: by default this process shuts down gracefully, as on SIGTERM. */
  constructor(
    channel: NodeJS.Process = process,
    onPrimaryGone: () => void = () => process.kill(process.pid, "SIGTERM"),
  ) {
    this.#process = channel;
    this.#onPrimaryGone = onPrimaryGone;
    channel.on("message", (message: unknown) => {
      if (isClusterMessage(message)) this.#receive(message);
    });
    channel.on("disconnect", () => this.#disconnected());
    // Only noted: main's handlers do the shutting down.
    for (const signal of ["SIGTERM", "SIGINT"] as const) channel.on(signal, () => (this.#signalled = true));
  }

  /** Asks the primary; rejects with the primary's error (a GatewayError stays one) or when the channel is gone. */
  call<T>(method: string, payload: unknown): Promise<T> {
    if (!this.#connected) return Promise.reject(new ClusterGoneError());
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#send({ lg: "call", id, method, payload });
    });
  }

  /** Tells the primary something that needs no answer; dropped when the channel is gone. */
  cast(method: string, payload: unknown): void {
    if (this.#connected) this.#send({ lg: "cast", method, payload });
  }

  onPush(topic: string, handler: (payload: unknown) => void): void {
    const handlers = this.#pushHandlers.get(topic) ?? [];
    handlers.push(handler);
    this.#pushHandlers.set(topic, handlers);
  }

  /** What this worker answers when the primary collects `topic` from every worker. */
  provide(topic: string, share: () => unknown): void {
    this.#providers.set(topic, share);
  }

  /** After the worker's last use of it: lets the process exit (an open IPC channel keeps it alive). */
  close(): void {
    if (!this.#connected) return;
    this.#connected = false;
    if (this.#process.connected) this.#process.disconnect();
  }

  #send(message: ClusterMessage): void {
    this.#process.send?.(message, undefined, undefined, (error: Error | null) => {
      if (error && message.lg === "call") this.#settle(message.id, undefined, error);
    });
  }

  #receive(message: ClusterMessage): void {
    switch (message.lg) {
      case "reply":
        this.#settle(message.id, message.value, message.error ? deserializeError(message.error) : undefined);
        return;
      case "push":
        for (const handler of this.#pushHandlers.get(message.topic) ?? []) handler(message.payload);
        return;
      case "collect":
        void this.#collect(message.id, message.topic);
        return;
      default:
        return;
    }
  }

  async #collect(id: number, topic: string): Promise<void> {
    const share = this.#providers.get(topic);
    try {
      if (!share) throw new Error(`this worker provides no "${topic}"`);
      if (this.#connected) this.#send({ lg: "collected", id, value: await share() });
    } catch (error) {
      if (this.#connected) this.#send({ lg: "collected", id, error: serializeError(error).message });
    }
  }

  #settle(id: number, value: unknown, error: Error | undefined): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }

  #disconnected(): void {
    const wasConnected = this.#connected;
    this.#connected = false;
    for (const [id] of this.#pending) this.#settle(id, undefined, new ClusterGoneError());
    if (wasConnected && !this.#signalled) {
      // Drain what is in flight and exit, as on SIGTERM: a worker without its primary must not linger.
      this.#signalled = true;
      this.#onPrimaryGone();
    }
  }
}

/** A call that cannot be answered because the primary, and with it the cluster, is gone. */
export class ClusterGoneError extends Error {
  constructor() {
    super("the cluster primary is gone");
  }
}

let link: WorkerLink | undefined;

/** This process's link to its cluster primary; undefined unless it is a cluster worker. */
export function clusterWorkerLink(): WorkerLink | undefined {
  // Set by the primary on the workers it forks; importing node:cluster would cost every single process its load time.
  if (process.env.LLM_GATEWAY_CLUSTER_WORKER !== "1" || typeof process.send !== "function") return undefined;
  link ??= new WorkerLink();
  return link;
}
