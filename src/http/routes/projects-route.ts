import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";

/** GET /v1/projects: `{projects: [...]}`, the projects the client key may read (the dashboard's picker). */
export function registerProjectsRoute(app: FastifyInstance, gateway: Gateway): void {
  app.get("/v1/projects", async (request) => ({
    projects: await gateway.listProjects(request.principal),
  }));
}
