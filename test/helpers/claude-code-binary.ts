import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * The native binary of Claude Code's platform package, or undefined when it
 * is not installed. Not the wrapper's bin: npm runs no install scripts here,
 * and the wrapper's postinstall is what copies it.
 */
export function findClaudeBinary(): string | undefined {
  const modules = new URL("../../node_modules/@anthropic-ai/", import.meta.url).pathname;
  const platform = `${process.platform}-${process.arch}`;
  return [`claude-code-${platform}/claude`, `claude-code-${platform}-musl/claude`]
    .map((relative) => join(modules, relative))
    .find((path) => existsSync(path));
}
