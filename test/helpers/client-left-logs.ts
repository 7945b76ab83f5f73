import { expect } from "vitest";
import type { Harness } from "./gateway-harness.js";

/**
 * A call its client left is its request's one warn line (GW_ERR_CLIENT_CLOSED): leaving is the
 * client's choice, not the gateway's fault, so no error line with a stack follows it.
 */
export async function expectClientLeftLoggedAsWarnOnly(harness: Harness, projectId: string): Promise<void> {
  await expect
    .poll(() =>
      harness.logs.some((line) => line.project === projectId && line.errorCode === "GW_ERR_CLIENT_CLOSED"),
    )
    .toBe(true);
  // The door's own failure handling runs just after the request's line: give it the time to write.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(harness.logs.filter((line) => Number(line.level) >= 50)).toEqual([]);
}
