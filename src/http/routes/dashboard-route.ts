import type { FastifyInstance, FastifyReply } from "fastify";
import { type DashboardAsset, loadDashboardAssets } from "../../dashboard/dashboard-assets.js";

/**
 * Everything the page loads comes from this gateway: its own files, and its
 * data from /v1 (with the client key the user enters). Nothing inline, nothing
 * from elsewhere, no framing.
 */
const securityHeaders = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Small files, read once at start: revalidate so an upgraded gateway serves its own page.
  "cache-control": "no-cache",
};

/**
 * GET /dashboard: the usage and circuit dashboard, public like /health (its
 * data endpoints need a client key when keys are configured). `/dashboard`
 * redirects to `/dashboard/` so the page's relative links (`dashboard.js`,
 * `../v1/usage`) also resolve behind a proxy that mounts the gateway under a path.
 */
export function registerDashboardRoute(
  app: FastifyInstance,
  load: () => Map<string, DashboardAsset> = loadDashboardAssets,
): void {
  let assets: Map<string, DashboardAsset>;
  try {
    assets = load();
  } catch (error) {
    // A gateway without its page still serves every request that matters more.
    const message = error instanceof Error ? error.message : String(error);
    app.log.warn({ err: error }, "dashboard disabled");
    app.get("/dashboard*", async (_request, reply) =>
      reply.code(503).type("text/plain; charset=utf-8").send(`The dashboard is unavailable: ${message}\n`),
    );
    return;
  }
  app.get("/dashboard", async (request, reply) => {
    const query = request.url.indexOf("?");
    return reply.redirect(`dashboard/${query < 0 ? "" : request.url.slice(query)}`, 302);
  });
  app.get("/dashboard/", async (_request, reply) => send(reply, assets.get("index.html")));
  app.get<{ Params: { name: string } }>("/dashboard/:name", async (request, reply) =>
    send(reply, assets.get(request.params.name)),
  );
}

function send(reply: FastifyReply, asset: DashboardAsset | undefined) {
  if (asset === undefined) return reply.code(404).type("text/plain; charset=utf-8").send("Not found\n");
  return reply.headers(securityHeaders).type(asset.contentType).send(asset.body);
}
