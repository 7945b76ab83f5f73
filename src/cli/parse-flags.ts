/** `--name value` and `--name=value` flags plus positional arguments; unknown flags are errors. */
export function parseFlags(
  args: string[],
  known: readonly string[],
): { flags: Record<string, string>; positional: string[] } {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (!known.includes(name))
      throw new CliUsageError(`unknown option --${name} (known: ${known.map((k) => `--${k}`).join(", ")})`);
    const value = inline ?? args[++index];
    if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
    flags[name] = value;
  }
  return { flags, positional };
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}
