import type { Deployment } from "../routing/deployments.js";
import type { DeploymentCall, FailoverRouter, Routed, RouteOptions } from "../routing/failover-router.js";

/** A call the gateway started and then dropped: its provider was sent the prompt (and, with `value`, answered). */
export interface AbandonedCall<T> {
  deployment: Deployment;
  value?: T;
}

export interface HedgedRouting<T> {
  routed: Routed<T>;
  /** The hedge race's loser, when it had called a provider. */
  abandoned?: AbandonedCall<T>;
}

type Settled<T> = { ok: true; routed: Routed<T> } | { ok: false; error: unknown };

/**
 * Routes as usual, but when the first target's call is still under way after
 * `hedgeAfterMs`, starts the rest of the chain beside it: the first of the two
 * to answer wins and the other is aborted (its circuit permit released, not
 * failed: losing a race says nothing about a provider's health). Once hedged,
 * the first route no longer fails over, so no deployment is called twice.
 */
export async function routeHedged<T>(
  router: FailoverRouter,
  targets: Deployment[],
  call: DeploymentCall<T>,
  options: RouteOptions,
  hedgeAfterMs: number | undefined,
): Promise<HedgedRouting<T>> {
  const [primary, ...rest] = targets;
  if (hedgeAfterMs === undefined || !primary || rest.length === 0) {
    return { routed: await router.route(targets, call, options) };
  }
  let hedged = false;
  const first = trackedRoute(router, targets, call, {
    ...options,
    unsupportedBy: (deployment) =>
      hedged && deployment !== primary
        ? "left to the hedged call started beside the first deployment"
        : options.unsupportedBy?.(deployment),
  });
  let timer: NodeJS.Timeout | undefined;
  const hedgeDue = new Promise<"hedge">((resolve) => {
    timer = setTimeout(() => {
      if (first.calling === primary) resolve("hedge");
    }, hedgeAfterMs);
  });
  const early = await Promise.race([first.settled, hedgeDue]);
  clearTimeout(timer);
  if (early !== "hedge") return { routed: unwrap(early) };

  hedged = true;
  const second = trackedRoute(router, rest, call, options);
  const winner = await Promise.race([
    first.settled.then((settled) => ({ settled, from: first, other: second })),
    second.settled.then((settled) => ({ settled, from: second, other: first })),
  ]);
  if (!winner.settled.ok) {
    // The other may still answer: the request fails only when both did.
    const other = await winner.other.settled;
    if (other.ok) return { routed: other.routed };
    throw second === winner.from ? winner.settled.error : other.error;
  }
  const { other } = winner;
  const calledDeployment = other.calling;
  other.abort();
  const lost = await other.settled;
  if (lost.ok) {
    lost.routed.permit?.release();
    return {
      routed: winner.settled.routed,
      abandoned: { deployment: lost.routed.deployment, value: lost.routed.value },
    };
  }
  return {
    routed: winner.settled.routed,
    ...(calledDeployment ? { abandoned: { deployment: calledDeployment } } : {}),
  };
}

interface TrackedRoute<T> {
  settled: Promise<Settled<T>>;
  /** The deployment whose call is under way, if any. */
  calling: Deployment | undefined;
  abort(): void;
}

function trackedRoute<T>(
  router: FailoverRouter,
  targets: Deployment[],
  call: DeploymentCall<T>,
  options: RouteOptions,
): TrackedRoute<T> {
  const controller = new AbortController();
  const tracked: TrackedRoute<T> = {
    calling: undefined,
    abort: () => controller.abort(new Error("another deployment answered first")),
    settled: Promise.resolve({ ok: false, error: undefined }),
  };
  tracked.settled = router
    .route(
      targets,
      async (deployment, signal, traceHeaders) => {
        tracked.calling = deployment;
        try {
          return await call(deployment, signal, traceHeaders);
        } finally {
          if (tracked.calling === deployment && !controller.signal.aborted) tracked.calling = undefined;
        }
      },
      { ...options, signal: AbortSignal.any([options.signal, controller.signal]) },
    )
    .then(
      (routed): Settled<T> => ({ ok: true, routed }),
      (error: unknown): Settled<T> => ({ ok: false, error }),
    );
  return tracked;
}

function unwrap<T>(settled: Settled<T>): Routed<T> {
  if (settled.ok) return settled.routed;
  throw settled.error;
}
