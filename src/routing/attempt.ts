/** One try of one deployment, as the caller sees it in `attempts`. */
export interface Attempt {
  provider: string;
  model: string;
  outcome: "success" | "failed" | "skipped_circuit_open" | "skipped_unsupported" | "rejected";
  error?: string;
  latency_ms: number;
}

/** "anthropic/claude-opus-4-5: failed (anthropic answered 529: Overloaded)" lines, one per attempt. */
export function describeAttempts(attempts: Attempt[]): string {
  return attempts
    .map((attempt, index) => {
      const why = attempt.error ? ` (${attempt.error})` : "";
      return `${index + 1}. ${attempt.provider}/${attempt.model}: ${attempt.outcome.replaceAll("_", " ")}${why}`;
    })
    .join("; ");
}
