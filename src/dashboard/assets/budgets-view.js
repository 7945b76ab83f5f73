// @ts-check
import { callGateway } from "./api.js";
import { shareBar } from "./charts.js";
import { button, element, fillRows, lines, tableRow, wrapping } from "./dom.js";
import { formatUsd } from "./format.js";
import { formatDateTime, limitsParts } from "./keys-view.js";
import { readAdminData, ShownData } from "./shown-data.js";

/**
 * The admin API's budget entry (`GET /admin/budgets`).
 * @typedef {{ period: "day" | "month", limit_usd: number, spent_usd: number, held_usd: number,
 *   resets_at: string }} Standing
 * @typedef {{ scope: "project" | "agent" | "key", project_id: string | null, agent_id: string | null,
 *   key_id: string | null, budget: { daily_usd: number | null, monthly_usd: number | null },
 *   limits: { requests_per_minute: number | null, tokens_per_minute: number | null },
 *   source: "config" | "admin" | "both", standing: Standing[], rate_standing?: RateStanding[] }} BudgetEntry
 * @typedef {{ limit: "requests_per_minute" | "tokens_per_minute", allowed: number, used: number }} RateStanding
 */

/** The form's number fields, named as the API names them. */
const numberFields = /** @type {const} */ ([
  "daily_usd",
  "monthly_usd",
  "requests_per_minute",
  "tokens_per_minute",
]);

const shown = new ShownData();

/**
 * Loads every project, agent and key with a budget or limit, and where each budget stands.
 * @param {() => boolean} isCurrent
 */
export async function loadBudgets(isCurrent) {
  const table = element("budgets-table", HTMLTableElement);
  const data = /** @type {BudgetEntry[]} */ (await readAdminData(table, shown, "admin/budgets"));
  if (!isCurrent() || !shown.changed(data)) return;
  fillRows(table, data.flatMap(entryRows), "No budgets or rate limits yet: set one above.");
}

/**
 * One row per budget period that is set; one row for an entry with rate limits only.
 * @param {BudgetEntry} entry
 */
function entryRows(entry) {
  const who = entry.scope === "key" ? (entry.key_id ?? "") : (entry.agent_id ?? "");
  const edit =
    entry.scope === "key" || entry.project_id === null
      ? keysLink()
      : button("Edit", "secondary edit", () => fillForm(entry));
  const limits = limitsThisMinute(entry);
  const project = wrapping(entry.project_id ?? "");
  /** @param {Array<string | Node>} cells @param {string} period */
  const row = (cells, period) => {
    const created = tableRow(cells);
    created.dataset.scope = entry.scope;
    created.dataset.project = entry.project_id ?? "";
    created.dataset.agent = entry.agent_id ?? "";
    created.dataset.keyId = entry.key_id ?? "";
    created.dataset.period = period;
    return created;
  };
  const setBy = { config: "config file", admin: "admin API", both: "admin API over config" }[entry.source];
  if (entry.standing.length === 0) {
    return [
      row(
        [
          entry.scope,
          project,
          wrapping(who),
          "–",
          "no budget",
          "–",
          "–",
          lines(limits.length > 0 ? limits : ["none"]),
          setBy,
          edit,
        ],
        "",
      ),
    ];
  }
  return entry.standing.map((standing, index) =>
    row(
      [
        index === 0 ? entry.scope : "",
        index === 0 ? project : "",
        index === 0 ? wrapping(who) : "",
        standing.period,
        spentOfLimit(standing),
        formatUsd(standing.held_usd),
        formatDateTime(standing.resets_at),
        index === 0 ? lines(limits.length > 0 ? limits : ["none"]) : "",
        index === 0 ? setBy : "",
        index === 0 ? edit : "",
      ],
      standing.period,
    ),
  );
}

/**
 * `30 rpm (2 used)`: each limit with what this minute used of it, when the gateway says.
 * @param {BudgetEntry} entry
 */
function limitsThisMinute(entry) {
  const standings = entry.rate_standing ?? [];
  if (standings.length === 0) return limitsParts(entry.limits);
  return standings.map((standing) => {
    const unit = standing.limit === "requests_per_minute" ? "rpm" : "tpm";
    return `${standing.allowed.toLocaleString("en-US")} ${unit} (${standing.used.toLocaleString("en-US")} used)`;
  });
}

/** A key's budget is changed with the key, on the Keys view. */
function keysLink() {
  const link = document.createElement("a");
  link.href = "#keys";
  link.textContent = "on Keys";
  link.title = "A key's budget and limits are set with the key";
  return link;
}

/** @param {Standing} standing a bar, then `$0.01 of $5.00 (0.2 %)` */
function spentOfLimit(standing) {
  const fraction = standing.limit_usd > 0 ? standing.spent_usd / standing.limit_usd : 1;
  const cell = document.createElement("span");
  cell.className = "spent";
  const bar = shareBar(fraction);
  bar.classList.add(fraction >= 1 ? "over" : fraction >= 0.8 ? "near" : "under");
  const text = document.createElement("span");
  text.className = "spent-text";
  text.textContent = `${formatUsd(standing.spent_usd)} of ${formatUsd(standing.limit_usd)} (${(fraction * 100).toFixed(1)} %)`;
  cell.append(bar, text);
  return cell;
}

/**
 * Fills the form with an entry's values; what the user leaves as it is is not sent.
 * @param {BudgetEntry} entry
 */
function fillForm(entry) {
  const form = element("budget-form", HTMLFormElement);
  const values = { ...entry.budget, ...entry.limits };
  setField(form, "project", entry.project_id ?? "");
  setField(form, "agent", entry.agent_id ?? "");
  for (const name of numberFields) setField(form, name, values[name] === null ? "" : String(values[name]));
  element("budget-error", HTMLElement).textContent = "";
  form.scrollIntoView({ block: "nearest" });
}

/** @param {HTMLFormElement} form @param {string} name @param {string} value */
function setField(form, name, value) {
  const input = form.elements.namedItem(name);
  if (!(input instanceof HTMLInputElement)) throw new Error(`the budget form has no field ${name}`);
  input.value = value;
  input.dataset.initial = value;
}

/** @param {() => void} refresh reloads the current view */
export function setUpBudgetsView(refresh) {
  const form = element("budget-form", HTMLFormElement);
  const reload = () => {
    shown.forget();
    refresh();
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void save(form, reload);
  });
  element("budget-form-clear", HTMLButtonElement).addEventListener("click", () => {
    for (const name of ["project", "agent", ...numberFields]) setField(form, name, "");
  });
}

/**
 * PUT the fields the user changed: a new value, or null for one emptied (clears what the admin
 * API stored, so the config file's value applies again).
 * @param {HTMLFormElement} form
 * @param {() => void} reload
 */
async function save(form, reload) {
  const errorLine = element("budget-error", HTMLElement);
  errorLine.textContent = "";
  const input = (/** @type {string} */ name) =>
    /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
  const project = input("project").value.trim();
  const agent = input("agent").value.trim();
  /** @type {Record<string, number | null>} */
  const body = {};
  for (const name of numberFields) {
    const field = input(name);
    const value = field.value.trim();
    if (value === (field.dataset.initial ?? "")) continue;
    body[name] = value === "" ? null : Number(value);
  }
  if (Object.keys(body).length === 0) {
    errorLine.textContent = "Nothing changed: enter a budget or a limit.";
    return;
  }
  const path =
    `admin/budgets/projects/${encodeURIComponent(project)}` +
    (agent ? `/agents/${encodeURIComponent(agent)}` : "");
  try {
    const entry = /** @type {BudgetEntry} */ (await callGateway("PUT", path, { body }));
    fillForm(entry);
  } catch (error) {
    errorLine.textContent = `Not saved: ${error instanceof Error ? error.message : String(error)}`;
  }
  reload();
}
