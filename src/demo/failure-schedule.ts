export interface FailureScheduleOptions {
  /** Every n-th call fails; 0 never. */
  failEvery: number;
  /** Every `periodMs`, the last `durationMs` of it fail entirely (long enough to open a circuit). */
  outage?: { periodMs: number; durationMs: number };
  now?: () => number;
}

/**
 * Decides, call by call, whether a fake provider fails: demo mode's steady
 * trickle of failovers, and now and then an outage that opens circuits. The
 * first outage starts `periodMs - durationMs` after creation, so the demo
 * begins healthy.
 */
export function createFailureSchedule(options: FailureScheduleOptions): () => boolean {
  const now = options.now ?? Date.now;
  const startedAt = now();
  let calls = 0;
  return () => {
    calls += 1;
    const { outage } = options;
    if (outage && outage.periodMs > 0) {
      const phase = (now() - startedAt) % outage.periodMs;
      if (phase >= outage.periodMs - outage.durationMs) return true;
    }
    return options.failEvery > 0 && calls % options.failEvery === 0;
  };
}
