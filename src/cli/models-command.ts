import type { GatewayConfig } from "../config/gateway-config.js";
import { microUsdToUsd } from "../core/model-catalog.js";
import { formatTable } from "./format-table.js";

/** `llm-gateway models`: every group's chain as configured, with key availability and prices. */
export function modelsCommand(config: GatewayConfig): string {
  const rows: string[][] = [];
  for (const [group, chain] of Object.entries(config.modelGroups)) {
    chain.forEach((name, position) => {
      const model = config.catalog[name];
      if (!model) return;
      const provider = config.providers[model.provider];
      const price = (microUsd: number) => `$${microUsdToUsd(microUsd)}`;
      rows.push([
        position === 0 ? group : "",
        String(position + 1),
        name,
        model.provider,
        provider?.apiKey !== undefined ? "yes" : "no key",
        String(model.contextWindow),
        price(model.pricing.inputMicroUsdPerMtok),
        price(model.pricing.outputMicroUsdPerMtok),
        price(model.pricing.cachedInputMicroUsdPerMtok),
      ]);
    });
  }
  return formatTable(
    ["group", "#", "model", "provider", "available", "context", "in $/Mtok", "out $/Mtok", "cached $/Mtok"],
    rows,
    new Set([1, 5, 6, 7, 8]),
  );
}
