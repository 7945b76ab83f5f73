/**
 * Recent times to first token of each deployment, in a small sliding window:
 * what hedging reads to decide that a call is late for that deployment.
 */
export class FirstTokenTimes {
  private readonly samples = new Map<string, number[]>();

  constructor(private readonly windowSize = 100) {}

  record(deploymentKey: string, ms: number): void {
    let window = this.samples.get(deploymentKey);
    if (!window) {
      window = [];
      this.samples.set(deploymentKey, window);
    }
    window.push(ms);
    if (window.length > this.windowSize) window.shift();
  }

  /** The 95th percentile of the window, or undefined with fewer than `minSamples` samples. */
  p95(deploymentKey: string, minSamples: number): number | undefined {
    const window = this.samples.get(deploymentKey) ?? [];
    if (window.length < Math.max(1, minSamples)) return undefined;
    const sorted = [...window].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
  }
}
