// @ts-check
import { ApiError, currentKey, getJson, useKey } from "./api.js";
import { loadBudgets, setUpBudgetsView } from "./budgets-view.js";
import { renderColumnChart, shareBar } from "./charts.js";
import { appendNote, element, fillRows, fillSelect, tableRow } from "./dom.js";
import { formatCompact, formatCount, formatTimeUtc, formatUsd, formatUsdTick } from "./format.js";
import { loadKeys, setUpKeysView } from "./keys-view.js";
import { loadRequests, setUpRequestsView } from "./requests-view.js";
import { bucketLabel, timeline } from "./timeline.js";
import { loadTraffic } from "./traffic-view.js";

/**
 * @typedef {import("./timeline.js").Totals} Totals
 * @typedef {import("./timeline.js").UsageReport} UsageReport
 * @typedef {{ provider: string, provider_model_id: string, available: boolean, circuit: string, in_flight: number,
 *   ttft_ms: number | null, served: number, traffic_share: number, rate_limited_until: string | null }} DeploymentEntry
 * @typedef {{ model: string, provider: string, available: boolean, circuit: string,
 *   deployments?: DeploymentEntry[] }} ChainEntry
 * @typedef {{ at: string, projectId: string, group: string | null, answeredBy: string | null,
 *   path: Array<{ provider: string, model: string, outcome: string, error?: string }> }} Failover
 * @typedef {{ at: string, key: string, from: string, to: string, reason?: string }} Transition
 * @typedef {{ version: string, uptime_s: number, store: { backend: string, ok: boolean },
 *   groups: Array<{ name: string, models: ChainEntry[] }>, failovers: Failover[], circuitTransitions: Transition[] }} Status
 */

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

/** @typedef {"usage" | "keys" | "budgets" | "requests"} View */

/** @returns {View} the view the address names: `#keys`, `#budgets`, `#requests`, else usage */
function viewOfAddress() {
  const view = location.hash.slice(1);
  return view === "keys" || view === "budgets" || view === "requests" ? view : "usage";
}

async function refresh() {
  clearTimeout(timer);
  const current = ++generation;
  const isCurrent = () => current === generation;
  const view = viewOfAddress();
  try {
    if (view === "keys") await loadKeys(isCurrent);
    else if (view === "budgets") await loadBudgets(isCurrent);
    else if (view === "requests") await loadRequests(isCurrent);
    else await loadUsage(isCurrent);
    if (!isCurrent()) return;
    setStatus(`Updated ${new Date().toISOString().slice(11, 19)} UTC, every ${state.refreshMs / 1000} s.`);
    document.body.classList.remove("needs-key", "needs-admin");
  } catch (error) {
    if (!isCurrent()) return;
    const status = error instanceof ApiError ? error.status : 0;
    document.body.classList.toggle("needs-key", status === 401);
    // The admin views say why they are empty rather than showing a blank page.
    const adminView = view === "keys" || view === "budgets";
    document.body.classList.toggle("needs-admin", adminView && (status === 401 || status === 403));
    const message = error instanceof Error ? error.message : String(error);
    if (status === 401) {
      setStatus(`${message} Enter ${adminView ? "an admin key" : "a client key"} above.`, "error");
    } else if (adminView && status === 403) {
      // Without any key in use, the gateway has no client keys at all: its message says to configure one.
      setStatus(
        currentKey() ? `${message} Enter an admin key (a client key with projects *) above.` : message,
        "error",
      );
    } else {
      setStatus(`Could not refresh: ${message}`, "error");
    }
  } finally {
    if (isCurrent()) timer = setTimeout(refresh, state.refreshMs);
  }
}

/** @param {() => boolean} isCurrent false once a newer refresh started: its answers are dropped */
async function loadUsage(isCurrent) {
  const { projects } = /** @type {{ projects: string[] }} */ (await getJson("projects"));
  if (!isCurrent()) return;
  if (!projects.includes(state.project)) state.project = projects[0] ?? "";
  const period = state.period;
  const usageOf = (/** @type {string} */ project_id, agent_id = "") =>
    /** @type {Promise<UsageReport>} */ (getJson("usage", { project_id, period, agent_id }));
  const tabled = projects.slice(0, maxProjectsInTable);
  const [, status, selected, filtered, ...perProject] = await Promise.all([
    loadTraffic(isCurrent),
    /** @type {Promise<Status>} */ (getJson("status")),
    state.project ? usageOf(state.project) : undefined,
    state.project && state.agent ? usageOf(state.project, state.agent) : undefined,
    ...tabled.map((project) => (project === state.project ? undefined : usageOf(project))),
  ]);
  if (!isCurrent()) return;
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
}

/** Shows the view the address names and loads its data. */
function showView() {
  const view = viewOfAddress();
  document.body.dataset.view = view;
  for (const name of /** @type {const} */ (["usage", "keys", "budgets", "requests"])) {
    element(`${name}-view`, HTMLElement).hidden = name !== view;
    const link = element(`nav-${name}`, HTMLAnchorElement);
    if (name === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  void refresh();
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

/**
 * The chains' models served by more than one deployment, each deployment a row.
 * @param {Status} status
 */
function renderDeployments(status) {
  /** @type {Map<string, ChainEntry>} */
  const byModel = new Map();
  for (const group of status.groups) {
    for (const entry of group.models) {
      if ((entry.deployments?.length ?? 0) > 1) byModel.set(entry.model, entry);
    }
  }
  const rows = [];
  for (const entry of byModel.values()) {
    for (const [index, deployment] of (entry.deployments ?? []).entries()) {
      const circuit = deployment.available ? deployment.circuit : "unavailable";
      const badge = document.createElement("span");
      badge.className = `badge ${circuit}`;
      badge.textContent = deployment.available
        ? `${deployment.circuit.replace("_", "-")}${deployment.rate_limited_until ? ", rate limited" : ""}`
        : "no key";
      const row = tableRow([
        index === 0 ? entry.model : "",
        deployment.provider,
        deployment.provider_model_id,
        badge,
        formatCount(deployment.in_flight),
        deployment.ttft_ms === null ? "–" : `${Math.round(deployment.ttft_ms)} ms`,
        formatCount(deployment.served),
        `${Math.round(deployment.traffic_share * 100)}%`,
      ]);
      row.dataset.deployment = `${deployment.provider}/${entry.model}`;
      rows.push(row);
    }
  }
  fillRows(element("deployments", HTMLTableElement), rows, "Every model has one deployment.");
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
        // A coloured badge with its state in words: readable at a glance, and without colour.
        const badge = document.createElement("span");
        badge.className = `badge ${entry.available ? entry.circuit : "unavailable"}`;
        badge.textContent = entry.available ? entry.circuit.replace("_", "-") : "no key";
        item.append(`${entry.model} `, badge);
        item.title = `${entry.provider}/${entry.model}: circuit ${entry.circuit}${entry.available ? "" : ", provider key not configured"}`;
        chain.append(item);
      }
      const row = tableRow([group.name, chain]);
      row.dataset.key = group.name;
      return row;
    }),
    "No model groups.",
  );

  renderDeployments(status);

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
  history.replaceState(null, "", `?${query}${location.hash}`);
  void refresh();
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
  useKey(key);
  input.value = "";
  input.placeholder = key ? "key in use (enter another to change)" : "if the gateway needs one";
  void refresh();
});
if (currentKey()) element("key", HTMLInputElement).placeholder = "key in use (enter another to change)";
setUpKeysView(() => void refresh());
setUpBudgetsView(() => void refresh());
setUpRequestsView(() => void refresh());
addEventListener("hashchange", showView);
showView();
