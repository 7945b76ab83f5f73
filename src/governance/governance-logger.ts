/** The slice of a pino logger governance writes to (pino's `Logger` fits it). */
export interface GovernanceLogger {
  warn(details: object, message: string): void;
}

export const silentGovernanceLogger: GovernanceLogger = { warn() {} };

/**
 * While Redis is down every request fails the same way: log the first
 * failure, then at most one line per interval saying how many were folded in,
 * so an outage cannot flood the log.
 */
export function throttledWarning(
  logger: GovernanceLogger,
  message: string,
  options: { intervalMs?: number; now?: () => number } = {},
): (details: object) => void {
  const intervalMs = options.intervalMs ?? 10_000;
  const now = options.now ?? Date.now;
  let lastAt = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (details) => {
    const at = now();
    if (at - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    logger.warn({ ...details, suppressedSinceLast: suppressed }, message);
    lastAt = at;
    suppressed = 0;
  };
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
