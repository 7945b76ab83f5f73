// @ts-check
import { ApiError, callGateway } from "./api.js";
import { fillRows } from "./dom.js";

/**
 * What a view's table last showed, so a refresh with the same data leaves its rows (and a hovered
 * button) alone.
 */
export class ShownData {
  #signature = "";

  /**
   * Whether `data` differs from what was shown last; remembers it as shown.
   * @param {unknown} data
   */
  changed(data) {
    const signature = JSON.stringify(data);
    if (signature === this.#signature) return false;
    this.#signature = signature;
    return true;
  }

  /** The next load redraws, whatever it finds (after a change made from the page). */
  forget() {
    this.#signature = "";
  }
}

/**
 * An admin view's `data` from the admin API. A key the gateway refuses (401/403: another key
 * entered, not an admin's) takes what the admin's showed off the page before the error goes on.
 * @param {HTMLTableElement} table
 * @param {ShownData} shown
 * @param {string} path
 * @param {Record<string, string>} [query]
 * @returns {Promise<unknown[]>}
 */
export async function readAdminData(table, shown, path, query = {}) {
  try {
    return (await callGateway("GET", path, { query })).data;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      shown.forget();
      fillRows(table, [], "");
    }
    throw error;
  }
}
