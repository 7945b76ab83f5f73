import type { GatewayConfig } from "../config/gateway-config.js";
import { microUsdToUsd } from "../core/model-catalog.js";
import { formatTable } from "./format-table.js";

/**
 * `llm-gateway models`: every group's chain as configured, then the catalog
 * models in no group (callable by name), with key availability and prices.
 */
export function modelsCommand(config: GatewayConfig): string {
  const rows: string[][] = [];
  const row = (group: string, position: string, name: string) => {
    const model = config.catalog[name];
    if (!model) return;
    // A model served by several deployments (config `deployments`) lists them all.
    const providers = config.deployments?.[name]?.map((deployment) => deployment.provider) ?? [
      model.provider,
    ];
    const available = providers.some((provider) => config.providers[provider]?.apiKey !== undefined);
    const price = (microUsd: number) => `$${microUsdToUsd(microUsd)}`;
    rows.push([
      group,
      position,
      name,
      providers.join(" + "),
      available ? "yes" : "no key",
      String(model.contextWindow),
      price(model.pricing.inputMicroUsdPerMtok),
      price(model.pricing.outputMicroUsdPerMtok),
      price(model.pricing.cachedInputMicroUsdPerMtok),
      price(model.pricing.cacheWriteMicroUsdPerMtok),
    ]);
  };
  for (const [group, chain] of Object.entries(config.modelGroups)) {
    for (const [position, name] of chain.entries()) {
      row(position === 0 ? group : "", String(position + 1), name);
    }
  }
  const grouped = new Set(Object.values(config.modelGroups).flat());
  const others = Object.keys(config.catalog).filter((name) => !grouped.has(name));
  for (const [index, name] of others.entries()) row(index === 0 ? "(no group)" : "", "", name);
  return formatTable(
    [
      "group",
      "#",
      "model",
      "provider",
      "available",
      "context",
      "in $/Mtok",
      "out $/Mtok",
      "cached $/Mtok",
      "cache write $/Mtok",
    ],
    rows,
    new Set([1, 5, 6, 7, 8, 9]),
  );
}
