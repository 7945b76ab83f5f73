import { createRequire } from "node:module";
import type { FastifyServerOptions } from "fastify";

type CompilersFactory = NonNullable<
  NonNullable<FastifyServerOptions["schemaController"]>["compilersFactory"]
>;
type Factory = (...args: unknown[]) => unknown;

// Fastify's own dependencies, found from Fastify as Fastify finds them.
const requireFromFastify = createRequire(createRequire(import.meta.url).resolve("fastify"));

/** The factory Fastify makes from `selector` (a package exporting a factory maker), made at its first call. */
function madeOnFirstCall(selector: string): Factory {
  let factory: Factory | undefined;
  return (...args) => {
    factory ??= (requireFromFastify(selector) as () => Factory)();
    return factory(...args);
  };
}

/**
 * Fastify's default compilers (ajv, fast-json-stringify), loaded when a route first declares a JSON
 * schema instead of when the app is made: no route does (bodies are checked with zod), and loading
 * them took about 25 ms of the gateway's start (issue 21).
 */
export const lazySchemaCompilers = {
  buildValidator: madeOnFirstCall("@fastify/ajv-compiler"),
  buildSerializer: madeOnFirstCall("@fastify/fast-json-stringify-compiler"),
} as unknown as CompilersFactory;
