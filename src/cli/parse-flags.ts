export interface ParsedFlags {
  /** The last value of each value flag given. */
  flags: Record<string, string>;
  /** Every value of each repeatable flag, in order. */
  lists: Record<string, string[]>;
  /** The switches given (flags that take no value). */
  switches: Set<string>;
  positional: string[];
}

export interface FlagOptions {
  /** Flags without a value, such as `--json`. */
  switches?: readonly string[];
  /** Flags that may be given more than once, such as `--metadata k=v`; also in `known`. */
  repeatable?: readonly string[];
}

/** `--name value` and `--name=value` flags plus positional arguments; unknown flags are errors. */
export function parseFlags(args: string[], known: readonly string[], options: FlagOptions = {}): ParsedFlags {
  const switchNames = options.switches ?? [];
  const repeatable = options.repeatable ?? [];
  const parsed: ParsedFlags = { flags: {}, lists: {}, switches: new Set(), positional: [] };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (!arg.startsWith("--")) {
      parsed.positional.push(arg);
      continue;
    }
    // Only the first `=` splits: `--metadata=team=a` is the value `team=a`.
    const equals = arg.indexOf("=");
    const name = equals < 0 ? arg.slice(2) : arg.slice(2, equals);
    const inline = equals < 0 ? undefined : arg.slice(equals + 1);
    if (switchNames.includes(name)) {
      if (inline !== undefined) throw new CliUsageError(`--${name} takes no value`);
      parsed.switches.add(name);
      continue;
    }
    if (!known.includes(name)) {
      const all = [...known, ...switchNames].map((flag) => `--${flag}`).join(", ");
      throw new CliUsageError(`unknown option --${name} (known: ${all})`);
    }
    const value = inline ?? args[++index];
    if (value === undefined) throw new CliUsageError(`--${name} needs a value`);
    parsed.flags[name] = value;
    if (repeatable.includes(name)) parsed.lists[name] = [...(parsed.lists[name] ?? []), value];
  }
  return parsed;
}

/** A mistake in how the command was called: printed with the usage, exit code 2. */
export class CliUsageError extends Error {
  override readonly name = "CliUsageError";
}

/** A command that could not do its work (a bad input file, say): printed without the usage, exit code 1. */
export class CliFailure extends Error {
  override readonly name = "CliFailure";
}
