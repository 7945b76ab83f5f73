import type { Client } from "@modelcontextprotocol/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultCatalog } from "../../src/config/default-catalog.js";
import type { ModelListing } from "../../src/gateway/list-models.js";
import { type Harness, startHarness } from "../helpers/gateway-harness.js";
import { callTool, connectMcp } from "../helpers/mcp-client.js";

const catalogNames = Object.keys(defaultCatalog()).sort();

describe("a price for every catalog model", () => {
  let harness: Harness;
  let mcp: Client;
  beforeAll(async () => {
    harness = await startHarness();
    mcp = await connectMcp(harness.url);
  });
  afterAll(async () => {
    await mcp.close();
    await harness.close();
  });

  it("list_models shows every catalog model, grouped or not, with its cache-write price", async () => {
    const { structured } = await callTool<ModelListing>(mcp, "list_models", {
      project_id: "proj-prices",
      agent_id: "agent-1",
    });
    const listed = [
      ...structured.groups.flatMap((group) => group.models),
      ...(structured.other_models ?? []),
    ];
    expect([...new Set(listed.map((model) => model.model))].sort()).toEqual(catalogNames);
    const byName = new Map(listed.map((model) => [model.model, model]));
    expect(byName.get("o3")?.price_per_mtok).toEqual({
      input: 2,
      output: 8,
      cached_input: 0.5,
      cache_write: 2,
    });
    expect(byName.get("gpt-4o")?.price_per_mtok.input).toBe(2.5);
    expect(byName.get("gemini-embedding")?.price_per_mtok.input).toBe(0.15);
    expect(byName.get("claude-opus-4-5")?.price_per_mtok.cache_write).toBe(6.25);
  });

  it("a group's listing stays that group's chain", async () => {
    const { structured } = await callTool<ModelListing>(mcp, "list_models", {
      project_id: "proj-prices",
      agent_id: "agent-1",
      model_group: "fast",
    });
    expect(structured.groups.map((group) => group.name)).toEqual(["fast"]);
    expect(structured.other_models).toBeUndefined();
  });

  it("/v1/models gives each catalog model its price per million tokens", async () => {
    const response = await fetch(`${harness.url}/v1/models`);
    const { data } = (await response.json()) as {
      data: Array<{ id: string; owned_by: string; price_per_mtok?: Record<string, number> }>;
    };
    const priced = data.filter((model) => model.price_per_mtok !== undefined);
    expect(priced.map((model) => model.id).sort()).toEqual(catalogNames);
    expect(data.find((model) => model.id === "claude-haiku")?.price_per_mtok).toEqual({
      input: 1,
      output: 5,
      cached_input: 0.1,
      cache_write: 1.25,
    });
    expect(data.find((model) => model.id === "reasoning")).not.toHaveProperty("price_per_mtok");
  });
});
