import { Document, isMap, isScalar, type Node, parseDocument, type YAMLMap } from "yaml";
import type { ModelSpec } from "../core/model-catalog.js";
import type { ModelUpdate } from "./plan-price-update.js";
import type { ListedModel, PriceListSource } from "./price-list.js";

export interface RewrittenConfig {
  text: string;
  /** Models that got a new `models:` entry (the others were updated in place). */
  added: string[];
}

export interface PriceStamp {
  /** `YYYY-MM-DD`: the day the prices were taken from the list. */
  asOf: string;
  source: PriceListSource;
}

/**
 * Writes the updates into the config file's text. A model the file already has gets its
 * `price_per_mtok` (and limits, where given) set in place; a model of the default catalog gets a
 * full `models:` entry, since the schema wants one. Each updated model is stamped with
 * `prices_as_of` and `prices_source`. `catalog` holds the models' current specs.
 *
 * The edits are spliced into the text at the positions yaml's parser gives, so every byte the
 * import has no reason to touch (comments, blank lines, flow or block styles, quoting) stays as
 * the operator wrote it. Layouts the splicing does not handle (a `models:` written as a flow map,
 * a key with an empty value) go through yaml's Document API instead, which keeps comments and
 * order but prints the whole file in its own style.
 */
export function rewriteConfigPrices(
  text: string,
  updates: ModelUpdate[],
  catalog: Record<string, ModelSpec>,
  stamp: PriceStamp,
): RewrittenConfig {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw doc.errors[0];
  const known = updates.filter(({ name }) => catalog[name] !== undefined);
  try {
    return spliceUpdates(text, doc, known, catalog, stamp);
  } catch (error) {
    if (!(error instanceof UnsupportedLayout)) throw error;
    return rewriteThroughDocument(doc, known, catalog, stamp);
  }
}

class UnsupportedLayout extends Error {}

interface Edit {
  at: number;
  end: number;
  text: string;
}

function spliceUpdates(
  text: string,
  doc: Document,
  updates: ModelUpdate[],
  catalog: Record<string, ModelSpec>,
  stamp: PriceStamp,
): RewrittenConfig {
  const edits: Edit[] = [];
  const added: string[] = [];
  const newEntries: Record<string, Record<string, unknown>> = {};
  const models = doc.get("models", true);
  if (models !== undefined && !(isMap(models) && !models.flow)) throw new UnsupportedLayout();
  for (const { name, listed } of updates) {
    const entry = models?.get(name, true);
    if (entry === undefined) {
      newEntries[name] = newEntry(catalog[name] as ModelSpec, listed, stamp);
      added.push(name);
      continue;
    }
    if (!isMap(entry)) throw new UnsupportedLayout();
    const prices = entry.get("price_per_mtok", true);
    if (!isMap(prices)) throw new UnsupportedLayout();
    for (const [key, value] of Object.entries(priceFields(listed))) {
      setField(text, prices, key, String(value), edits);
    }
    for (const [key, value] of Object.entries(limitFields(listed))) {
      setField(text, entry, key, String(value), edits);
    }
    setField(text, entry, "prices_as_of", JSON.stringify(stamp.asOf), edits);
    setField(text, entry, "prices_source", stamp.source, edits);
  }
  if (added.length > 0) {
    const block = new Document(newEntries);
    for (const name of added) block.setIn([name, "prices_as_of"], quoted(block, stamp.asOf));
    const entriesText = block.toString({ lineWidth: 0 }).trimEnd();
    if (models === undefined) {
      const separator = text === "" || text.endsWith("\n") ? "" : "\n";
      edits.push({
        at: text.length,
        end: text.length,
        text: `${separator}models:\n${indent(entriesText, "  ")}\n`,
      });
    } else {
      const { at, column } = afterLastItem(text, models);
      edits.push({ at, end: at, text: `\n${indent(entriesText, " ".repeat(column))}` });
    }
  }
  return { text: applyEdits(text, edits), added };
}

/** Replaces a key's scalar value, or adds the key after the map's last item. */
function setField(text: string, map: YAMLMap, key: string, value: string, edits: Edit[]): void {
  const pair = map.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (pair) {
    const node = pair.value;
    if (!isScalar(node) || !node.range || node.range[0] === node.range[1]) throw new UnsupportedLayout();
    edits.push({ at: node.range[0], end: node.range[1], text: value });
    return;
  }
  if (map.flow) {
    const last = map.items.at(-1)?.value as Node | undefined;
    if (!last?.range) throw new UnsupportedLayout();
    edits.push({ at: last.range[1], end: last.range[1], text: `, ${key}: ${value}` });
    return;
  }
  const { at, column } = afterLastItem(text, map);
  edits.push({ at, end: at, text: `\n${" ".repeat(column)}${key}: ${value}` });
}

/** The end of the line holding a block map's last value, and the column its keys start at. */
function afterLastItem(text: string, map: YAMLMap): { at: number; column: number } {
  const firstKey = map.items[0]?.key as Node | undefined;
  if (!firstKey?.range) throw new UnsupportedLayout();
  const keyStart = firstKey.range[0];
  const column = keyStart - (text.lastIndexOf("\n", keyStart - 1) + 1);
  const lineEnd = text.indexOf("\n", lastValueEnd(map));
  return { at: lineEnd < 0 ? text.length : lineEnd, column };
}

/**
 * Where the last written value of a block collection ends: its deepest last scalar, or a flow
 * collection's closing bracket (a block collection's own range runs on over what follows it).
 */
function lastValueEnd(node: unknown): number {
  const collection = node as { items?: unknown[]; flow?: boolean; range?: [number, number, number] };
  if (Array.isArray(collection.items) && !collection.flow) {
    const last = collection.items.at(-1) as { key?: unknown; value?: unknown } | undefined;
    if (last === undefined) throw new UnsupportedLayout();
    return lastValueEnd(last.value ?? last.key ?? last);
  }
  if (!collection.range) throw new UnsupportedLayout();
  return Math.max(collection.range[0], collection.range[1] - 1);
}

/** Applies the edits from the end; edits at one offset keep the order they were made in. */
function applyEdits(text: string, edits: Edit[]): string {
  const ordered = edits.map((edit, index) => ({ ...edit, index }));
  ordered.sort((a, b) => b.at - a.at || b.index - a.index);
  let result = text;
  for (const edit of ordered) result = result.slice(0, edit.at) + edit.text + result.slice(edit.end);
  return result;
}

function indent(block: string, prefix: string): string {
  return block
    .split("\n")
    .map((line) => (line === "" ? line : prefix + line))
    .join("\n");
}

/** The fallback: yaml's Document API, which keeps comments and order but not every style. */
function rewriteThroughDocument(
  doc: Document,
  updates: ModelUpdate[],
  catalog: Record<string, ModelSpec>,
  stamp: PriceStamp,
): RewrittenConfig {
  if (!isMap(doc.get("models", true))) doc.set("models", doc.createNode({}));
  const added: string[] = [];
  for (const { name, listed } of updates) {
    const at = (...path: string[]) => ["models", name, ...path];
    if (!isMap(doc.getIn(at(), true))) {
      doc.setIn(at(), doc.createNode(newEntry(catalog[name] as ModelSpec, listed, stamp)));
      added.push(name);
    } else {
      for (const [key, value] of Object.entries(priceFields(listed)))
        doc.setIn(at("price_per_mtok", key), value);
      for (const [key, value] of Object.entries(limitFields(listed))) doc.setIn(at(key), value);
    }
    doc.setIn(at("prices_as_of"), quoted(doc, stamp.asOf));
    doc.setIn(at("prices_source"), stamp.source);
  }
  return { text: doc.toString({ lineWidth: 0 }), added };
}

/** The `price_per_mtok` fields the list gives, in the file's unit. */
function priceFields(listed: ListedModel): Record<string, number> {
  return {
    input: usd(listed.inputMicroUsdPerMtok),
    output: usd(listed.outputMicroUsdPerMtok),
    ...given("cached_input", listed.cachedInputMicroUsdPerMtok),
    ...given("cache_write", listed.cacheWriteMicroUsdPerMtok),
    ...given("cache_write_1h", listed.cacheWrite1hMicroUsdPerMtok),
  };
}

function limitFields(listed: ListedModel): Record<string, number> {
  return {
    ...(listed.contextWindow !== undefined ? { context_window: listed.contextWindow } : {}),
    ...(listed.maxOutputTokens !== undefined ? { max_output_tokens: listed.maxOutputTokens } : {}),
  };
}

function given(key: string, microUsd: number | undefined): Record<string, number> {
  return microUsd === undefined ? {} : { [key]: usd(microUsd) };
}

/** The entry a default-catalog model needs in the file: its current spec with the list's figures. */
function newEntry(spec: ModelSpec, listed: ListedModel, stamp: PriceStamp): Record<string, unknown> {
  const { pricing } = spec;
  return {
    kind: spec.kind,
    provider: spec.provider,
    provider_model_id: spec.providerModelId,
    context_window: spec.contextWindow,
    max_output_tokens: spec.maxOutputTokens,
    ...limitFields(listed),
    ...(spec.usesMaxCompletionTokens ? { uses_max_completion_tokens: true } : {}),
    ...(spec.midConversationSystemMessages ? { mid_conversation_system_messages: true } : {}),
    // Cached reads and cache writes default to the input price: written only where the catalog
    // sets them apart, so a new input price from the list carries over to them as it meant.
    price_per_mtok: {
      input: usd(pricing.inputMicroUsdPerMtok),
      output: usd(pricing.outputMicroUsdPerMtok),
      ...(pricing.cachedInputMicroUsdPerMtok !== pricing.inputMicroUsdPerMtok
        ? { cached_input: usd(pricing.cachedInputMicroUsdPerMtok) }
        : {}),
      ...(pricing.cacheWriteMicroUsdPerMtok !== pricing.inputMicroUsdPerMtok
        ? { cache_write: usd(pricing.cacheWriteMicroUsdPerMtok) }
        : {}),
      ...given("cache_write_1h", pricing.cacheWrite1hMicroUsdPerMtok),
      ...priceFields(listed),
    },
    prices_as_of: stamp.asOf,
    prices_source: stamp.source,
  };
}

/** Micro-USD -> the file's USD per Mtok: the division is exact to the 6 decimals the schema allows. */
function usd(microUsd: number): number {
  return microUsd / 1_000_000;
}

/** A date quoted, so no YAML 1.1 reader takes it for a timestamp. */
function quoted(doc: Document, value: string) {
  const node = doc.createNode(value);
  node.type = "QUOTE_DOUBLE";
  return node;
}
