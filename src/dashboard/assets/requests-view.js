// @ts-check
import { getJson } from "./api.js";
import { button, element, fillRows, lines, tableRow, wrapping } from "./dom.js";
import { formatCount, formatUsd } from "./format.js";
import { ShownData } from "./shown-data.js";

/**
 * A row of GET /v1/requests (and GET /v1/requests/:id, which adds `bodies`).
 * @typedef {{ provider: string, model: string, outcome: string, error: string | null, latency_ms: number }} Attempt
 * @typedef {{ id: string, time: string, client_request_id: string | null, door: string, kind: string,
 *   project_id: string, agent_id: string, key_name: string | null, model_group: string | null,
 *   provider: string | null, model: string | null, status: string, error_code: string | null,
 *   stream: boolean, cache_hit: boolean, input_tokens: number, output_tokens: number,
 *   cached_input_tokens: number, cost_usd: number, time_to_first_token_ms: number | null,
 *   latency_ms: number, attempts: Attempt[],
 *   bodies?: { request: string, answer: string | null } | null }} RequestRow
 */

/** The filters as the form last applied them (query parameter names of the API). */
let filters = /** @type {Record<string, string>} */ ({});
/** Set once "Show older" was used: the refresh loop then leaves the longer list alone. */
let paged = false;
let nextCursor = /** @type {string | null} */ (null);
/** Leaves the rows (and an open detail) alone when a refresh finds the same requests. */
const shown = new ShownData();

/** `MM-DD HH:MM:SS` in UTC. @param {string} iso */
function formatShortTime(iso) {
  return new Date(iso).toISOString().slice(5, 19).replace("T", " ");
}

/** @param {RequestRow} row */
function answeredBy(row) {
  return row.provider && row.model ? `${row.provider}/${row.model}` : (row.model_group ?? "–");
}

/** @param {number} ms */
function formatMs(ms) {
  return `${formatCount(Math.round(ms))} ms`;
}

/**
 * Loads the newest requests that match the filters (a key sees its own projects only).
 * @param {() => boolean} isCurrent
 */
export async function loadRequests(isCurrent) {
  if (paged) return;
  const page = /** @type {{ data: RequestRow[], next_cursor: string | null }} */ (
    await getJson("requests", filters)
  );
  if (!isCurrent() || !shown.changed(page)) return;
  nextCursor = page.next_cursor;
  fillRows(
    element("requests-table", HTMLTableElement),
    page.data.map(requestRow),
    "No requests kept that match.",
  );
  element("requests-more", HTMLButtonElement).hidden = nextCursor === null;
}

/** @param {RequestRow} row */
function requestRow(row) {
  const status = row.error_code ? `${row.status} (${row.error_code})` : row.status;
  const tr = tableRow([
    formatShortTime(row.time),
    wrapping(row.project_id),
    wrapping(row.agent_id),
    row.key_name ?? "–",
    wrapping(answeredBy(row)),
    wrapping(status),
    `${formatCount(row.input_tokens)} / ${formatCount(row.output_tokens)}`,
    formatUsd(row.cost_usd),
    formatMs(row.latency_ms),
    String(row.attempts.length),
    button("Open", "secondary", () => void openRequest(row.id)),
  ]);
  tr.dataset.id = row.id;
  tr.dataset.status = row.status;
  return tr;
}

/** Shows one request with its attempts and, when the gateway keeps them, its bodies. @param {string} id */
async function openRequest(id) {
  const errorLine = element("request-detail-error", HTMLElement);
  errorLine.textContent = "";
  try {
    const row = /** @type {RequestRow} */ (await getJson(`requests/${encodeURIComponent(id)}`));
    renderDetail(row);
  } catch (error) {
    errorLine.textContent = error instanceof Error ? error.message : String(error);
  }
}

/** @param {RequestRow} row */
function renderDetail(row) {
  const section = element("request-detail", HTMLElement);
  element("request-detail-id", HTMLElement).textContent = row.id;
  const facts = [
    `${row.time.replace("T", " ").replace("Z", " UTC")} · ${row.door} door · ${row.kind}${row.stream ? " · streamed" : ""}${row.cache_hit ? " · cache hit" : ""}`,
    `Project ${row.project_id} · agent ${row.agent_id} · key ${row.key_name ?? "–"}${row.client_request_id ? ` · client request id ${row.client_request_id}` : ""}`,
    `${row.status}${row.error_code ? ` (${row.error_code})` : ""}: ${answeredBy(row)}${row.model_group ? ` for group ${row.model_group}` : ""}`,
    `Tokens ${formatCount(row.input_tokens)} in (${formatCount(row.cached_input_tokens)} cached) / ${formatCount(row.output_tokens)} out · ${formatUsd(row.cost_usd)} · latency ${formatMs(row.latency_ms)}${row.time_to_first_token_ms !== null ? ` · first token ${formatMs(row.time_to_first_token_ms)}` : ""}`,
  ];
  element("request-detail-facts", HTMLElement).replaceChildren(lines(facts));
  fillRows(
    element("request-attempts", HTMLTableElement),
    row.attempts.map((attempt, index) =>
      tableRow([
        String(index + 1),
        attempt.provider,
        wrapping(attempt.model),
        attempt.outcome.replaceAll("_", " "),
        formatMs(attempt.latency_ms),
        wrapping(attempt.error ?? ""),
      ]),
    ),
    "No provider was called (refused before routing, or answered from the cache).",
  );
  const bodies = element("request-bodies", HTMLElement);
  bodies.hidden = !row.bodies;
  element("request-body", HTMLElement).textContent = row.bodies ? prettyJson(row.bodies.request) : "";
  element("request-answer", HTMLElement).textContent = row.bodies ? (row.bodies.answer ?? "(no text)") : "";
  element("request-bodies-off", HTMLElement).hidden = Boolean(row.bodies);
  section.hidden = false;
  section.scrollIntoView({ block: "nearest" });
}

/** @param {string} text */
function prettyJson(text) {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Wires the filter form, "Show older" and closing the detail. @param {() => void} onChange */
export function setUpRequestsView(onChange) {
  const form = element("requests-filter", HTMLFormElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    filters = {};
    for (const name of ["project_id", "agent_id", "model", "status", "from"]) {
      const value = String(data.get(name) ?? "").trim();
      if (value) filters[name] = value;
    }
    paged = false;
    shown.forget();
    element("request-detail", HTMLElement).hidden = true;
    onChange();
  });
  element("requests-more", HTMLButtonElement).addEventListener("click", async () => {
    if (!nextCursor) return;
    paged = true;
    const page = /** @type {{ data: RequestRow[], next_cursor: string | null }} */ (
      await getJson("requests", { ...filters, cursor: nextCursor })
    );
    nextCursor = page.next_cursor;
    const table = element("requests-table", HTMLTableElement);
    (table.tBodies[0] ?? table.createTBody()).append(...page.data.map(requestRow));
    element("requests-more", HTMLButtonElement).hidden = nextCursor === null;
  });
  element("request-detail-close", HTMLButtonElement).addEventListener("click", () => {
    element("request-detail", HTMLElement).hidden = true;
  });
}
