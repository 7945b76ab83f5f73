import type { ModelAlias } from "../config/gateway-config.js";

/**
 * Matches requested model names against the configured aliases. Globs, not
 * regular expressions: an operator's pattern cannot backtrack catastrophically
 * on a caller's name.
 */
export class ModelAliases {
  private readonly compiled: Array<{ pattern: RegExp; target: string }>;

  constructor(aliases: readonly ModelAlias[]) {
    this.compiled = aliases.map(({ pattern, target }) => ({ pattern: globToRegExp(pattern), target }));
  }

  /** The first matching alias's target, or undefined. */
  targetFor(name: string): string | undefined {
    return this.compiled.find(({ pattern }) => pattern.test(name))?.target;
  }
}

function globToRegExp(glob: string): RegExp {
  const source = [...glob]
    .map((character) => {
      if (character === "*") return "[^]*";
      if (character === "?") return "[^]";
      return character.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`);
}
