// @ts-check

/** Kept for the browser tab's life only: a key is a credential, and the page may be on a shared screen. */
const keyStorageName = "llm-gateway-dashboard-key";

/** An answer other than 2xx, with the gateway's error code when it sent one. */
export class ApiError extends Error {
  /** @param {number} status @param {string} message @param {string} [code] */
  constructor(status, message, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** @returns {string | null} */
export function currentKey() {
  return sessionStorage.getItem(keyStorageName);
}

/** @param {string} key an empty key forgets it */
export function useKey(key) {
  if (key) sessionStorage.setItem(keyStorageName, key);
  else sessionStorage.removeItem(keyStorageName);
}

/**
 * Calls one of the gateway's endpoints with the entered client key. Paths are relative to the
 * page (`../v1/usage`), so the page works behind a proxy that mounts the gateway under a path.
 * @param {"GET" | "POST" | "PUT" | "PATCH" | "DELETE"} method
 * @param {string} path relative to the gateway's root, such as `v1/usage` or `admin/keys`
 * @param {{ query?: Record<string, string>, body?: unknown }} [options]
 */
export async function callGateway(method, path, { query = {}, body } = {}) {
  const url = new URL(`../${path}`, document.baseURI);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  const key = currentKey();
  /** @type {Record<string, string>} */
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  if (body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
    // A hung gateway must not stall the refresh loop for good.
    signal: AbortSignal.timeout(10_000),
  });
  const answer = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = answer?.error;
    const message = error?.message ?? `${response.status} ${response.statusText}`;
    // A 400 names the field it refused, so a form can say which.
    const field = typeof error?.param === "string" ? ` (${error.param})` : "";
    throw new ApiError(response.status, `${message}${field}`, error?.code);
  }
  return answer;
}

/**
 * GET one of the gateway's /v1 endpoints.
 * @param {string} path relative to /v1
 * @param {Record<string, string>} [query]
 */
export function getJson(path, query = {}) {
  return callGateway("GET", `v1/${path}`, { query });
}
