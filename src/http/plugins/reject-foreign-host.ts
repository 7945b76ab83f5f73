import type { FastifyInstance } from "fastify";
import { openAiErrorBody } from "../openai/openai-error.js";

/**
 * Without client keys, nothing but reachability guards the provider
 * accounts, and DNS rebinding defeats reachability: a web page re-resolves
 * its own name to 127.0.0.1 and the browser sends it same-origin requests
 * with `Host: <its name>`. So every route checks the Host header, as /mcp
 * does with or without keys (it answers in JSON-RPC, so it is left to its
 * own check). An empty list (a wildcard bind) cannot know its public names
 * and checks nothing.
 */
export function registerHostCheck(app: FastifyInstance, allowedHosts: readonly string[]): void {
  if (allowedHosts.length === 0) return;
  const allowed = [...allowedHosts];
  app.addHook("onRequest", async (request, reply) => {
    if (request.url === "/mcp" || request.url.startsWith("/mcp?")) return;
    const problem = hostHeaderProblem(request.headers.host, allowed);
    if (problem === undefined) return;
    request.errorCode = "GW_ERR_FORBIDDEN_HOST";
    return reply
      .code(403)
      .send(
        openAiErrorBody(
          "GW_ERR_FORBIDDEN_HOST",
          `${problem}: this gateway runs without client keys and answers only the names it is bound to. Reach it as localhost, or list the name in server.allowed_hosts.`,
        ),
      );
  });
}

/**
 * Why a Host header names none of the allowed hostnames (port-agnostic), in the words of the
 * MCP SDK's `validateHostHeader`, which /mcp uses; undefined when it names one. Written here so
 * that serving /v1 does not load the SDK.
 */
function hostHeaderProblem(host: string | undefined, allowed: readonly string[]): string | undefined {
  if (!host) return "Missing Host header";
  let hostname: string;
  try {
    hostname = new URL(`http://${host}`).hostname;
  } catch {
    return `Invalid Host header: ${host}`;
  }
  return allowed.includes(hostname) ? undefined : `Invalid Host: ${hostname}`;
}
