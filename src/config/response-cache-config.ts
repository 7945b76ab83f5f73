import { z } from "zod";
import { ConfigError } from "./config-error.js";

/** What decides, for one request, whether and how long its answer is cached. */
export interface CacheRules {
  enabled: boolean;
  ttlMs: number;
  /** Cache answers to requests that are not deterministic (temperature absent or above 0). */
  nondeterministic: boolean;
  /** Cache answers to requests that offer tools (a tool call may act on the world; off by default). */
  toolCalls: boolean;
}

/** Semantic matching of a project: the last user turn embedded with `modelGroup`, compared by cosine. */
export interface SemanticCacheRules {
  threshold: number;
  modelGroup: string;
}

export interface ResponseCacheConfig {
  /** Most bytes of answers either engine keeps; the least recently used go first. */
  maxBytes: number;
  /** One cache for every project (an answer to project A may serve project B); off by default. */
  sharedAcrossProjects: boolean;
  defaults: CacheRules;
  /** Over the defaults, per model group asked for. */
  modelGroups: Record<string, Partial<CacheRules>>;
  /** Over the group's, per project (a project's own word is final). */
  projects: Record<string, Partial<CacheRules> & { semantic?: SemanticCacheRules }>;
}

/** The config file's `cache:` section (see README "Response cache"), built with the file's schema. */
export function cacheFileSchema() {
  const identifier = z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/, "expected 1-128 characters of [A-Za-z0-9._:-]");
  const ttlSeconds = z
    .number()
    .int()
    .min(1)
    .max(366 * 86_400);

  const rulesShape = {
    enabled: z.boolean().optional(),
    ttl_seconds: ttlSeconds.optional(),
    cache_nondeterministic: z.boolean().optional(),
    cache_tool_calls: z.boolean().optional(),
  };

  return z
    .strictObject({
      ...rulesShape,
      max_megabytes: z.number().positive().max(1_000_000).optional(),
      shared_across_projects: z.boolean().optional(),
      model_groups: z.record(identifier, z.strictObject(rulesShape)).optional(),
      projects: z
        .record(
          identifier,
          z.strictObject({
            ...rulesShape,
            semantic: z
              .strictObject({
                threshold: z.number().gt(0).max(1),
                model_group: identifier.optional(),
              })
              .optional(),
          }),
        )
        .optional(),
    })
    .optional();
}

export type CacheFileSection = z.infer<ReturnType<typeof cacheFileSchema>>;

export interface CacheEnv {
  LLM_GATEWAY_CACHE?: boolean;
  LLM_GATEWAY_CACHE_TTL_SECONDS?: number;
  LLM_GATEWAY_CACHE_MAX_MB?: number;
}

/** Defaults: on for deterministic requests, one hour, 256 MB, per project. */
export function responseCacheConfigFrom(
  file: CacheFileSection,
  env: CacheEnv,
  modelGroups: Record<string, string[]>,
): ResponseCacheConfig {
  const section = file ?? {};
  for (const group of Object.keys(section.model_groups ?? {})) {
    if (!Object.hasOwn(modelGroups, group)) {
      throw new ConfigError(
        `Invalid configuration: cache.model_groups.${group} is not a model group (${Object.keys(modelGroups).join(", ")})`,
      );
    }
  }
  const projects: ResponseCacheConfig["projects"] = {};
  for (const [project, rules] of Object.entries(section.projects ?? {})) {
    const semanticGroup = rules.semantic?.model_group ?? "embedding";
    if (rules.semantic && !Object.hasOwn(modelGroups, semanticGroup)) {
      throw new ConfigError(
        `Invalid configuration: cache.projects.${project}.semantic.model_group names "${semanticGroup}", which is not a model group`,
      );
    }
    projects[project] = {
      ...rulesFrom(rules),
      ...(rules.semantic
        ? { semantic: { threshold: rules.semantic.threshold, modelGroup: semanticGroup } }
        : {}),
    };
  }
  return {
    maxBytes: Math.round((env.LLM_GATEWAY_CACHE_MAX_MB ?? section.max_megabytes ?? 256) * 1024 * 1024),
    sharedAcrossProjects: section.shared_across_projects ?? false,
    defaults: {
      enabled: env.LLM_GATEWAY_CACHE ?? section.enabled ?? true,
      ttlMs: (env.LLM_GATEWAY_CACHE_TTL_SECONDS ?? section.ttl_seconds ?? 3600) * 1000,
      nondeterministic: section.cache_nondeterministic ?? false,
      toolCalls: section.cache_tool_calls ?? false,
    },
    modelGroups: Object.fromEntries(
      Object.entries(section.model_groups ?? {}).map(([group, rules]) => [group, rulesFrom(rules)]),
    ),
    projects,
  };
}

function rulesFrom(rules: {
  enabled?: boolean;
  ttl_seconds?: number;
  cache_nondeterministic?: boolean;
  cache_tool_calls?: boolean;
}): Partial<CacheRules> {
  return {
    ...(rules.enabled !== undefined ? { enabled: rules.enabled } : {}),
    ...(rules.ttl_seconds !== undefined ? { ttlMs: rules.ttl_seconds * 1000 } : {}),
    ...(rules.cache_nondeterministic !== undefined ? { nondeterministic: rules.cache_nondeterministic } : {}),
    ...(rules.cache_tool_calls !== undefined ? { toolCalls: rules.cache_tool_calls } : {}),
  };
}
