// @ts-check
import { renderColumnChart, shareBar } from "./charts.js";
import { formatCompact, formatCount, formatTimeUtc, formatUsd, formatUsdTick } from "./format.js";
import { bucketLabel, timeline } from "./timeline.js";

/**
 * @typedef {import("./timeline.js").Totals} Totals
 * @typedef {import("./timeline.js").UsageReport} UsageReport
 * @typedef {{ model: string, provider: string, available: boolean, circuit: string }} ChainEntry
 * @typedef {{ at: string, projectId: string, group: string | null, answeredBy: string | null,
 *   path: Array<{ provider: string, model: string, outcome: string, error?: string }> }} Failover
 * @typedef {{ at: string, key: string, from: string, to: string, reason?: string }} Transition
 * @typedef {{ version: string, uptime_s: number, store: { backend: string, ok: boolean },
 *   groups: Array<{ name: string, models: ChainEntry[] }>, failovers: Failover[], circuitTransitions: Transition[] }} Status
 */

/** Kept for the browser tab's life only: a key is a credential, and the page may be on a shared screen. */
const keyStorageName = "llm-gateway-dashboard-key";
/** Projects beyond this many are in the picker but not in the by-project table (one request each per refresh). */
const maxProjectsInTable = 25;
/** The newest this many failovers and transitions are listed; the gateway keeps a few more. */
const maxEvents = 15;

const params = new URLSearchParams(location.search);
const state = {
  project: params.get("project") ?? "",
  period: params.get("period") ?? "day",
  agent: params.get("agent") ?? "",
  refreshMs: Math.max(1, Number(params.get("refresh")) || 5) * 1000,
};
let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
/** Bumped by every refresh, so an answer that arrives after the user changed the view is dropped. */
let generation = 0;

class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * GET one of the gateway's /v1 endpoints, with the entered client key.
 * @param {string} path relative to /v1
 * @param {Record<string, string>} [query]
 */
async function getJson(path, query = {}) {
  const url = new URL(`../v1/${path}`, document.baseURI);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  const key = sessionStorage.getItem(keyStorageName);
  const response = await fetch(url, {
    headers: key ? { authorization: `Bearer ${key}` } : {},
    cache: "no-store",
    // A hung gateway must not stall the refresh loop for good.
    signal: AbortSignal.timeout(10_000),
  });
  const body = await response.json().catch(() => undefined);
  if (!response.ok) {
    throw new ApiError(response.status, body?.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return body;
}

async function refresh() {
  clearTimeout(timer);
  const current = ++generation;
  try {
    const { projects } = /** @type {{ projects: string[] }} */ (await getJson("projects"));
    if (current !== generation) return;
    if (!projects.includes(state.project)) state.project = projects[0] ?? "";
    const period = state.period;
    const usageOf = (/** @type {string} */ project_id, agent_id = "") =>
      /** @type {Promise<UsageReport>} */ (getJson("usage", { project_id, period, agent_id }));
    const tabled = projects.slice(0, maxProjectsInTable);
    const [status, selected, filtered, ...perProject] = await Promise.all([
      /** @type {Promise<Status>} */ (getJson("status")),
      state.project ? usageOf(state.project) : undefined,
      state.project && state.agent ? usageOf(state.project, state.agent) : undefined,
      ...tabled.map((project) => (project === state.project ? undefined : usageOf(project))),
    ]);
    if (current !== generation) return;
    renderPickers(projects, selected);
    renderStatus(status);
    renderUsage(filtered ?? selected);
    renderProjects(
      tabled.map((project, index) => ({
        project,
        report: project === state.project ? selected : perProject[index],
      })),
      projects.length,
    );
    setStatus(`Updated ${new Date().toISOString().slice(11, 19)} UTC, every ${state.refreshMs / 1000} s.`);
    document.body.classList.remove("needs-key");
  } catch (error) {
    if (current !== generation) return;
    if (error instanceof ApiError && error.status === 401) {
      document.body.classList.add("needs-key");
      setStatus(`${error.message} Enter a client key above.`, "error");
    } else {
      setStatus(`Could not refresh: ${error instanceof Error ? error.message : String(error)}`, "error");
    }
  } finally {
    if (current === generation) timer = setTimeout(refresh, state.refreshMs);
  }
}

/**
 * @param {string[]} projects
 * @param {UsageReport | undefined} selected the selected project's report, unfiltered, for its agents
 */
function renderPickers(projects, selected) {
  const agents = Object.keys(selected?.by_agent ?? {}).sort();
  if (state.agent && !agents.includes(state.agent)) agents.push(state.agent);
  fillSelect(
    element("project", HTMLSelectElement),
    projects.length > 0 ? projects.map((project) => [project, project]) : [["", "no usage yet"]],
    state.project,
  );
  fillSelect(
    element("agent", HTMLSelectElement),
    [["", "all agents"], ...agents.map((agent) => /** @type {[string, string]} */ ([agent, agent]))],
    state.agent,
  );
  element("period", HTMLSelectElement).value = state.period;
}

/** @param {UsageReport | undefined} report */
function renderUsage(report) {
  const totals = report ?? {
    requests: 0,
    input_tokens: 0,
    output_tokens: 0,
    cached_input_tokens: 0,
    cost_usd: 0,
    cache_hits: 0,
    saved_usd: 0,
  };
  element("total-requests", HTMLElement).textContent = formatCount(totals.requests);
  element("total-cost", HTMLElement).textContent = formatUsd(totals.cost_usd);
  element("total-input", HTMLElement).textContent = formatCount(totals.input_tokens);
  element("total-output", HTMLElement).textContent = formatCount(totals.output_tokens);
  element("total-cached", HTMLElement).textContent = formatCount(totals.cached_input_tokens);
  // Reports from a gateway before the response cache have neither field.
  element("total-cache-hits", HTMLElement).textContent = formatCount(totals.cache_hits ?? 0);
  element("total-saved", HTMLElement).textContent = formatUsd(totals.saved_usd ?? 0);

  const { unit, buckets } = report
    ? timeline(report, Date.now())
    : { unit: "hour", buckets: /** @type {import("./timeline.js").Bucket[]} */ ([]) };
  const empty = report ? "No usage in this period." : "No project has usage yet.";
  const columns = (
    /** @type {(bucket: Totals) => number[]} */ values,
    /** @type {(bucket: Totals) => string} */ title,
  ) =>
    buckets.map((bucket) => ({
      label: bucketLabel(bucket.startMs, unit),
      title: `${new Date(bucket.startMs).toISOString().slice(0, 16).replace("T", " ")} UTC: ${title(bucket)}`,
      values: values(bucket),
    }));
  element("cost-chart-title", HTMLElement).textContent = `Cost per ${unit} (UTC)`;
  renderColumnChart(element("cost-chart", HTMLElement), {
    columns: columns(
      (bucket) => [bucket.cost_usd],
      (bucket) => `${formatUsd(bucket.cost_usd)}, ${formatCount(bucket.requests)} requests`,
    ),
    series: [{ name: "cost (USD)", className: "cost" }],
    formatTick: formatUsdTick,
    emptyText: empty,
  });
  element("tokens-chart-title", HTMLElement).textContent = `Tokens per ${unit} (UTC)`;
  renderColumnChart(element("tokens-chart", HTMLElement), {
    columns: columns(
      (bucket) => [bucket.input_tokens, bucket.output_tokens],
      (bucket) =>
        `${formatCount(bucket.input_tokens)} in (${formatCount(bucket.cached_input_tokens)} cached), ` +
        `${formatCount(bucket.output_tokens)} out`,
    ),
    series: [
      { name: "input tokens", className: "input" },
      { name: "output tokens", className: "output" },
    ],
    formatTick: formatCompact,
    emptyText: empty,
  });
  renderBreakdown("by-agent", report?.by_agent ?? {});
  renderBreakdown("by-model", report?.by_model ?? {});
}

/**
 * @param {Array<{ project: string, report: UsageReport | undefined }>} rows
 * @param {number} total how many projects there are in all
 */
function renderProjects(rows, total) {
  const entries = rows.flatMap(({ project, report }) =>
    report ? [/** @type {[string, Totals]} */ ([project, report])] : [],
  );
  renderBreakdown("by-project", Object.fromEntries(entries), (project) => selectProject(project));
  if (total > rows.length) {
    appendNote(element("by-project", HTMLTableElement), `${total - rows.length} more in the project picker.`);
  }
}

/**
 * One row per key, most expensive first, with its share of the cost.
 * @param {string} tableId
 * @param {Record<string, Totals>} totalsByKey
 * @param {(key: string) => void} [onPick]
 */
function renderBreakdown(tableId, totalsByKey, onPick) {
  const table = element(tableId, HTMLTableElement);
  const entries = Object.entries(totalsByKey).sort(
    ([a, x], [b, y]) => y.cost_usd - x.cost_usd || a.localeCompare(b),
  );
  const allCost = entries.reduce((sum, [, totals]) => sum + totals.cost_usd, 0);
  fillRows(
    table,
    entries.map(([key, totals]) => {
      const row = tableRow([
        key,
        formatCount(totals.requests),
        `${formatCount(totals.input_tokens)} / ${formatCount(totals.output_tokens)}`,
        formatUsd(totals.cost_usd),
        shareBar(allCost > 0 ? totals.cost_usd / allCost : 0),
      ]);
      row.dataset.key = key;
      if (onPick) {
        row.classList.add("pickable");
        if (key === state.project) row.classList.add("selected");
        row.addEventListener("click", () => onPick(key));
      }
      return row;
    }),
    "No usage in this period.",
  );
}

/** @param {Status} status */
function renderStatus(status) {
  const uptime =
    status.uptime_s >= 3600
      ? `${Math.floor(status.uptime_s / 3600)} h`
      : `${Math.floor(status.uptime_s / 60)} min`;
  element("gateway-info", HTMLElement).textContent =
    `v${status.version}, up ${uptime}, store ${status.store.backend} ${status.store.ok ? "ok" : "DOWN"}`;

  fillRows(
    element("circuits", HTMLTableElement),
    status.groups.map((group) => {
      const chain = document.createElement("ol");
      chain.className = "chain";
      for (const entry of group.models) {
        const item = document.createElement("li");
        item.className = `circuit ${entry.available ? entry.circuit : "unavailable"}`;
        item.dataset.deployment = `${entry.provider}/${entry.model}`;
        item.dataset.circuit = entry.circuit;
        const label = document.createElement("small");
        label.textContent = entry.available ? entry.circuit.replace("_", "-") : "no key";
        item.append(`${entry.model} `, label);
        item.title = `${entry.provider}/${entry.model}: circuit ${entry.circuit}${entry.available ? "" : ", provider key not configured"}`;
        chain.append(item);
      }
      const row = tableRow([group.name, chain]);
      row.dataset.key = group.name;
      return row;
    }),
    "No model groups.",
  );

  fillRows(
    element("failovers", HTMLTableElement),
    status.failovers.slice(0, maxEvents).map((failover) => {
      const attempts = document.createElement("span");
      failover.path.forEach((attempt, index) => {
        if (index > 0) attempts.append(" → ");
        const step = document.createElement("span");
        step.className = `attempt ${attempt.outcome}`;
        step.textContent = `${attempt.provider}/${attempt.model} ${attempt.outcome.replaceAll("_", " ")}`;
        if (attempt.error) step.title = attempt.error;
        attempts.append(step);
      });
      return tableRow([
        formatTimeUtc(failover.at),
        failover.projectId,
        failover.group ?? "(model)",
        attempts,
        failover.answeredBy ?? "nobody",
      ]);
    }),
    "No failovers since this gateway started.",
  );
  if (status.failovers.length > maxEvents) {
    appendNote(
      element("failovers", HTMLTableElement),
      `${status.failovers.length - maxEvents} older not shown.`,
    );
  }

  fillRows(
    element("transitions", HTMLTableElement),
    status.circuitTransitions.slice(0, maxEvents).map((transition) =>
      tableRow([
        formatTimeUtc(transition.at),
        transition.key,
        `${transition.from} → ${transition.to}`,
        // A project key is not shown reasons: they may quote another project's upstream error.
        transition.reason ?? "shown to admin keys only",
      ]),
    ),
    "No circuit has changed state since this gateway started.",
  );
}

/** @param {Array<string | Node>} cells */
function tableRow(cells) {
  const row = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    td.append(cell);
    row.append(td);
  }
  return row;
}

/**
 * @param {HTMLTableElement} table
 * @param {HTMLTableRowElement[]} rows
 * @param {string} emptyText
 */
function fillRows(table, rows, emptyText) {
  const body = table.tBodies[0] ?? table.createTBody();
  body.replaceChildren(...rows);
  if (rows.length === 0) appendNote(table, emptyText);
}

/** @param {HTMLTableElement} table @param {string} text */
function appendNote(table, text) {
  const row = document.createElement("tr");
  row.className = "note";
  const cell = document.createElement("td");
  cell.colSpan = table.tHead?.rows[0]?.cells.length ?? 1;
  cell.textContent = text;
  row.append(cell);
  (table.tBodies[0] ?? table.createTBody()).append(row);
}

/**
 * @param {HTMLSelectElement} select
 * @param {Array<[string, string]>} options value and label
 * @param {string} selected
 */
function fillSelect(select, options, selected) {
  // Rebuilt only when the choices change, so an open picker is not yanked shut by a refresh.
  const signature = JSON.stringify(options);
  if (select.dataset.signature !== signature) {
    select.dataset.signature = signature;
    select.replaceChildren(
      ...options.map(([value, label]) => {
        const option = document.createElement("option");
        option.value = value;
        option.textContent = label;
        return option;
      }),
    );
  }
  select.value = selected;
}

/** @param {string} text @param {"info" | "error"} [kind] */
function setStatus(text, kind = "info") {
  const status = element("status", HTMLElement);
  status.textContent = text;
  status.className = kind;
}

/** @param {string} project */
function selectProject(project) {
  state.project = project;
  state.agent = "";
  viewChanged();
}

/** Keeps the view in the address, so a reload or a shared link shows the same. */
function viewChanged() {
  const query = new URLSearchParams(params);
  for (const name of /** @type {const} */ (["project", "period", "agent"])) {
    if (state[name]) query.set(name, state[name]);
    else query.delete(name);
  }
  history.replaceState(null, "", `?${query}`);
  void refresh();
}

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @param {{ new (): T }} type
 * @returns {T}
 */
function element(id, type) {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`the page has no ${type.name} #${id}`);
  return found;
}

element("project", HTMLSelectElement).addEventListener("change", (event) => {
  selectProject(/** @type {HTMLSelectElement} */ (event.target).value);
});
element("period", HTMLSelectElement).addEventListener("change", (event) => {
  state.period = /** @type {HTMLSelectElement} */ (event.target).value;
  viewChanged();
});
element("agent", HTMLSelectElement).addEventListener("change", (event) => {
  state.agent = /** @type {HTMLSelectElement} */ (event.target).value;
  viewChanged();
});
element("key-form", HTMLFormElement).addEventListener("submit", (event) => {
  event.preventDefault();
  const input = element("key", HTMLInputElement);
  const key = input.value.trim();
  if (key) sessionStorage.setItem(keyStorageName, key);
  else sessionStorage.removeItem(keyStorageName);
  input.value = "";
  input.placeholder = key ? "key in use (enter another to change)" : "if the gateway needs one";
  void refresh();
});
if (sessionStorage.getItem(keyStorageName))
  element("key", HTMLInputElement).placeholder = "key in use (enter another to change)";
void refresh();
