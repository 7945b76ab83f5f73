import { GatewayError } from "../core/gateway-error.js";
import type { RequestPage, RequestQuery, RequestRecord, RequestStore } from "../core/request-record.js";
import { assertMayActFor, mayActFor, type Principal } from "./principal.js";

/** The request explorer as the gateway holds it: the store, and the recorder's queue to flush before a read. */
export interface RequestExplorer {
  store: RequestStore;
  /** Resolves once every request finished so far is written: a caller sees its own requests. */
  flush(): Promise<void>;
}

/** A page's filters as a door parsed them; `projectId` is checked against the key. */
export type RequestFilters = Omit<RequestQuery, "projectIds"> & { projectId?: string };

/**
 * Requests newest first. A key for some projects sees only theirs (asking for another is
 * GW_ERR_FORBIDDEN_PROJECT, as usage); a `*` key, or no key, sees every project.
 */
export async function listRequests(
  explorer: RequestExplorer,
  filters: RequestFilters,
  principal: Principal | undefined,
  nowMs: number = Date.now(),
): Promise<RequestPage> {
  const { projectId, ...rest } = filters;
  let projectIds: string[] | undefined;
  if (projectId !== undefined) {
    assertMayActFor(principal, projectId);
    projectIds = [projectId];
  } else if (principal && principal.projects !== "*") {
    projectIds = [...principal.projects];
  }
  await explorer.flush();
  return readStore(() => explorer.store.list({ ...rest, ...(projectIds ? { projectIds } : {}) }, nowMs));
}

/** One request with its attempts (and bodies, if kept); another project's is unknown, as a missing one. */
export async function getRequest(
  explorer: RequestExplorer,
  id: string,
  principal: Principal | undefined,
  nowMs: number = Date.now(),
): Promise<RequestRecord> {
  await explorer.flush();
  const record = await readStore(() => explorer.store.get(id, nowMs));
  if (!record || !mayActFor(principal, record.projectId)) {
    throw new GatewayError(
      "GW_ERR_UNKNOWN_REQUEST",
      `No request "${id}" is kept (unknown, past retention, or not visible to this key).`,
      {
        param: "id",
      },
    );
  }
  return record;
}

async function readStore<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    throw new GatewayError(
      "GW_ERR_STORE_UNAVAILABLE",
      "The request store is unreachable, so requests cannot be listed right now. Retry shortly.",
      { cause: error },
    );
  }
}
