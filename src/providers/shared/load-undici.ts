/**
 * undici, imported at the first upstream call instead of at start-up: evaluating its ~1 MB took
 * about 60 ms of the gateway's start (issue 21), and a gateway answers /health before it calls
 * any provider.
 */
export function loadUndici(): Promise<typeof import("./undici-parts.js")> {
  loading ??= import("./undici-parts.js");
  return loading;
}

let loading: Promise<typeof import("./undici-parts.js")> | undefined;
