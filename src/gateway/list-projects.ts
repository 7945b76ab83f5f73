import { GatewayError } from "../core/gateway-error.js";
import type { UsageStore } from "../core/usage-record.js";
import type { Principal } from "./principal.js";

/**
 * The projects a caller may look at: every project with usage for a key
 * with `*` (or when the gateway runs without keys), else the key's own
 * projects, booked or not yet. Pending bookings of this process are flushed
 * first, so a project appears as soon as its first request finished.
 */
export async function listProjects(
  store: UsageStore,
  flushPendingBookings: () => Promise<void>,
  principal: Principal | undefined,
): Promise<string[]> {
  if (principal !== undefined && principal.projects !== "*") return [...principal.projects].sort();
  await flushPendingBookings();
  try {
    return await store.listProjects();
  } catch (error) {
    throw new GatewayError(
      "GW_ERR_STORE_UNAVAILABLE",
      "The usage store is unreachable, so its projects cannot be listed right now. Retry shortly.",
      { cause: error, retryAfterSeconds: 5 },
    );
  }
}
