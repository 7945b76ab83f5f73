import type { z } from "zod";

/** Invalid configuration: start-up stops with this message, which names the field. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** Renders zod issues as `field: what is wrong` lines under a source label. */
export function configErrorFromZod(source: string, error: z.ZodError): ConfigError {
  const lines = error.issues.map((issue) => {
    const field = issue.path.length > 0 ? issue.path.join(".") : "(root)";
    return `  ${field}: ${issue.message}`;
  });
  return new ConfigError(`Invalid configuration in ${source}:\n${lines.join("\n")}`);
}
