// @ts-check
import { ApiError, callGateway } from "./api.js";
import { button, element, fillRows, lines, tableRow, wrapping } from "./dom.js";
import { formatUsd } from "./format.js";
import { readAdminData, ShownData } from "./shown-data.js";

/**
 * The admin API's key view (`GET /admin/keys`), the fields this page shows.
 * @typedef {{ id: string, name: string, projects: string[] | "*", agents: string[] | null,
 *   models: string[] | null, budget: { daily_usd: number | null, monthly_usd: number | null },
 *   limits: { requests_per_minute: number | null, tokens_per_minute: number | null },
 *   expires_at: string | null, revoked_at: string | null, secret_hint: string | null,
 *   source: "admin" | "config", spend: { today_usd: number, month_usd: number } | null }} KeyView
 * @typedef {{ key: KeyView, secret: string }} KeyWithSecret
 */

const shown = new ShownData();

/**
 * Loads the keys table: managed keys, then the config file's (read-only here).
 * @param {() => boolean} isCurrent
 */
export async function loadKeys(isCurrent) {
  const showRevoked = element("show-revoked", HTMLInputElement).checked;
  const table = element("keys-table", HTMLTableElement);
  const data = /** @type {KeyView[]} */ (
    await readAdminData(table, shown, "admin/keys", { include_revoked: showRevoked ? "true" : "" })
  );
  if (!isCurrent() || !shown.changed(data)) return;
  const now = Date.now();
  fillRows(
    table,
    data.map((key) => keyRow(key, now)),
    "No client keys yet: create one above.",
  );
}

/**
 * @param {KeyView} key
 * @param {number} now
 */
function keyRow(key, now) {
  const status = keyStatus(key, now);
  const name = document.createElement("span");
  name.className = "key-name wrap";
  const id = document.createElement("small");
  id.textContent = key.source === "config" ? "config file" : `${key.id} · ${key.secret_hint ?? ""}`;
  name.append(key.name, document.createElement("br"), id);
  const actions = document.createElement("span");
  actions.className = "actions";
  if (key.source === "admin" && status !== "revoked") {
    actions.append(
      button("Rotate", "secondary rotate", () => void rotate(key)),
      button("Revoke", "danger revoke", () => void revoke(key)),
    );
  }
  const statusCell = document.createElement("span");
  statusCell.className = `key-status ${status}`;
  statusCell.textContent = status;
  const row = tableRow([
    name,
    wrapping(key.projects === "*" ? "* (every project)" : key.projects.join(", ")),
    wrapping(key.models?.join(", ") ?? "any"),
    lines([
      ...orNone(budgetParts(key.budget), "no budget"),
      limitsParts(key.limits).join(", ") || "no limits",
    ]),
    // Spend is kept per managed key; a config file's key books to its projects only.
    key.spend && key.source === "admin" ? formatUsd(key.spend.today_usd) : "–",
    key.spend && key.source === "admin" ? formatUsd(key.spend.month_usd) : "–",
    key.expires_at ? formatDateTime(key.expires_at) : "never",
    statusCell,
    actions,
  ]);
  row.dataset.keyId = key.id;
  row.dataset.name = key.name;
  row.dataset.status = status;
  return row;
}

/**
 * @param {KeyView} key
 * @param {number} now
 * @returns {"revoked" | "expired" | "active"}
 */
function keyStatus(key, now) {
  if (key.revoked_at) return "revoked";
  if (key.expires_at && Date.parse(key.expires_at) <= now) return "expired";
  return "active";
}

/**
 * `$5.00/day`, `$50.00/month`: the budget's parts, none when it has none.
 * @param {{ daily_usd: number | null, monthly_usd: number | null }} budget
 */
export function budgetParts(budget) {
  const parts = [];
  if (budget.daily_usd !== null) parts.push(`${formatUsd(budget.daily_usd)}/day`);
  if (budget.monthly_usd !== null) parts.push(`${formatUsd(budget.monthly_usd)}/month`);
  return parts;
}

/**
 * `60 rpm`, `100,000 tpm`: the rate limits' parts, none when it has none.
 * @param {{ requests_per_minute: number | null, tokens_per_minute: number | null }} limits
 */
export function limitsParts(limits) {
  const parts = [];
  if (limits.requests_per_minute !== null) {
    parts.push(`${limits.requests_per_minute.toLocaleString("en-US")} rpm`);
  }
  if (limits.tokens_per_minute !== null) {
    parts.push(`${limits.tokens_per_minute.toLocaleString("en-US")} tpm`);
  }
  return parts;
}

/** `2026-12-07 14:05`, in UTC like every time on the page. */
export function formatDateTime(/** @type {string} */ iso) {
  return new Date(iso).toISOString().slice(0, 16).replace("T", " ");
}

/** @param {string[]} parts @param {string} none */
function orNone(parts, none) {
  return parts.length > 0 ? parts : [none];
}

/** @type {() => void} */
let reload = () => {};

/** @param {() => void} refresh reloads the current view */
export function setUpKeysView(refresh) {
  reload = () => {
    shown.forget();
    refresh();
  };
  const form = element("create-key-form", HTMLFormElement);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void create(form);
  });
  element("show-revoked", HTMLInputElement).addEventListener("change", reload);
  element("copy-secret", HTMLButtonElement).addEventListener("click", () => void copySecret());
  element("dismiss-secret", HTMLButtonElement).addEventListener("click", () => {
    element("new-secret-value", HTMLInputElement).value = "";
    element("new-secret", HTMLElement).hidden = true;
  });
}

/** @param {HTMLFormElement} form */
async function create(form) {
  const errorLine = element("create-key-error", HTMLElement);
  errorLine.textContent = "";
  const fields = new FormData(form);
  const text = (/** @type {string} */ name) => String(fields.get(name) ?? "").trim();
  const list = (/** @type {string} */ name) =>
    text(name)
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item !== "");
  /** @type {Record<string, unknown>} */
  const body = { name: text("name"), projects: text("projects") === "*" ? "*" : list("projects") };
  if (list("agents").length > 0) body.agents = list("agents");
  if (list("models").length > 0) body.models = list("models");
  /** @type {Record<string, number>} */
  const budget = {};
  if (text("daily_usd")) budget.daily_usd = Number(text("daily_usd"));
  if (text("monthly_usd")) budget.monthly_usd = Number(text("monthly_usd"));
  if (Object.keys(budget).length > 0) body.budget = budget;
  /** @type {Record<string, number>} */
  const limits = {};
  if (text("rpm")) limits.requests_per_minute = Number(text("rpm"));
  if (text("tpm")) limits.tokens_per_minute = Number(text("tpm"));
  if (Object.keys(limits).length > 0) body.limits = limits;
  if (text("expires"))
    body.expires_at = new Date(Date.now() + Number(text("expires")) * 86_400_000).toISOString();
  try {
    const created = /** @type {KeyWithSecret} */ (await callGateway("POST", "admin/keys", { body }));
    showSecret(created);
    form.reset();
  } catch (error) {
    errorLine.textContent = `Not created: ${messageOf(error)}`;
  }
  reload();
}

/** @param {KeyView} key */
async function rotate(key) {
  if (!confirm(`Rotate the secret of "${key.name}"? Its current secret is refused at once.`)) return;
  await act(async () => {
    showSecret(
      /** @type {KeyWithSecret} */ (
        await callGateway("POST", `admin/keys/${encodeURIComponent(key.id)}/rotate`)
      ),
    );
  });
}

/** @param {KeyView} key */
async function revoke(key) {
  if (!confirm(`Revoke "${key.name}"? Every request with it is refused from now on; this cannot be undone.`))
    return;
  await act(() => callGateway("POST", `admin/keys/${encodeURIComponent(key.id)}/revoke`));
}

/** @param {() => Promise<unknown>} action */
async function act(action) {
  const errorLine = element("key-action-error", HTMLElement);
  errorLine.textContent = "";
  try {
    await action();
  } catch (error) {
    errorLine.textContent = messageOf(error);
  }
  reload();
}

/**
 * The one time a secret is on screen: until dismissed, never stored.
 * @param {KeyWithSecret} created
 */
function showSecret(created) {
  element("new-secret-name", HTMLElement).textContent = `${created.key.name} (${created.key.id})`;
  element("new-secret-value", HTMLInputElement).value = created.secret;
  element("copy-status", HTMLElement).textContent = "";
  element("new-secret", HTMLElement).hidden = false;
}

async function copySecret() {
  const input = element("new-secret-value", HTMLInputElement);
  const status = element("copy-status", HTMLElement);
  try {
    await navigator.clipboard.writeText(input.value);
    status.textContent = "Copied.";
  } catch {
    // The clipboard API needs a secure context (https or localhost): select it for Ctrl+C instead.
    input.select();
    status.textContent = "Selected: press Ctrl+C (or ⌘C) to copy.";
  }
}

/** @param {unknown} error */
function messageOf(error) {
  if (error instanceof ApiError && error.status === 403) return `${error.message} (an admin key is needed)`;
  return error instanceof Error ? error.message : String(error);
}
