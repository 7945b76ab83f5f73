import { chatParameterNames, type ParameterSupport } from "../core/parameter-support.js";

/**
 * The README's parameter table, rendered from the capability tables the
 * router reads, so the documentation cannot drift from the behaviour.
 */
export function renderParameterTable(supportByKind: Record<string, ParameterSupport>): string {
  const kinds = Object.keys(supportByKind);
  const escapeCell = (text: string) => text.replaceAll("|", "\\|");
  const lines = [
    `| parameter | ${kinds.join(" | ")} |`,
    `|---|${kinds.map(() => "---").join("|")}|`,
    ...chatParameterNames.map((name) => {
      const cells = kinds.map((kind) => {
        const rule = supportByKind[kind]?.[name];
        if (!rule) return "";
        return escapeCell(rule.note ? `${rule.handling}: ${rule.note}` : rule.handling);
      });
      return `| \`${name}\` | ${cells.join(" | ")} |`;
    }),
  ];
  return `${lines.join("\n")}\n`;
}
