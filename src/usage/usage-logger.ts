/** The slice of a pino logger the usage stores write to (pino's `Logger` fits it). */
export interface UsageLogger {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export const silentUsageLogger: UsageLogger = {
  info() {},
  warn() {},
  error() {},
};

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
