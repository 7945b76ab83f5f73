import { performance } from "node:perf_hooks";

/**
 * Where a start's time went, in ms since the process started: Node's own boot, loading the
 * gateway's modules (reading, compiling and running them), then each step marked up to listening.
 * Logged with the listening line, where the bench's start-up row reads it (issue 21).
 */
export class StartUpTimings {
  readonly #phases: Record<string, number>;
  #last: number;

  /** Made as the gateway's code starts running: every module is loaded by then. */
  constructor() {
    const booted = performance.nodeTiming.bootstrapComplete;
    this.#last = performance.now();
    this.#phases = { node: tenths(booted), modules: tenths(this.#last - booted) };
  }

  /** Ends `phase`, which began at the previous mark. */
  mark(phase: string): void {
    const now = performance.now();
    this.#phases[phase] = tenths(now - this.#last);
    this.#last = now;
  }

  /** Each phase, and `total`: from the process's start to the last mark. */
  get phases(): Record<string, number> {
    return { ...this.#phases, total: tenths(this.#last) };
  }
}

function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}
