import type { FastifyInstance } from "fastify";
import type { Gateway } from "../../gateway/gateway.js";

export function registerHealthRoute(app: FastifyInstance, gateway: Gateway): void {
  app.get("/health", async (_request, reply) => {
    const report = await gateway.health();
    return reply.code(report.status === "unavailable" ? 503 : 200).send(report);
  });
}
