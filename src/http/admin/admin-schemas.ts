import { z } from "zod";

/*
 * The admin API's wire shapes (snake_case), one zod schema each: requests are
 * parsed with them, answers are checked against them in the tests, and the
 * OpenAPI document at GET /admin/openapi.json is generated from them.
 */

const idPattern = /^[A-Za-z0-9._:-]{1,128}$/;
const idMessage = "must be 1-128 characters of [A-Za-z0-9._:-]";

export const projectIdSchema = z.string().regex(idPattern, idMessage);
export const agentIdSchema = z.string().regex(idPattern, idMessage);
const keyName = z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9._:-]");
/** As the config file's budgets: zero is allowed (a project that may spend nothing). */
const usd = z.number().nonnegative("must be zero or more").max(1_000_000_000, "must be at most 1e9");
const perMinute = z
  .number()
  .int("must be a whole number")
  .positive("must be at least 1")
  .max(1_000_000_000, "must be at most 1e9");
const maxMetadataEntries = 32;

const projects = z.union(
  [z.literal("*"), z.array(projectIdSchema).min(1, "must name at least one project").max(1000)],
  {
    error: 'must be "*" or a non-empty list of project ids',
  },
);
const agents = z
  .array(agentIdSchema)
  .min(1, "must name at least one agent id (leave it out for any)")
  .max(1000);
const metadata = z
  .record(
    z.string().regex(/^[A-Za-z0-9._:-]{1,64}$/, "metadata keys must be 1-64 characters of [A-Za-z0-9._:-]"),
    z.string().max(256, "must be at most 256 characters"),
  )
  .refine(
    (record) => Object.keys(record).length <= maxMetadataEntries,
    `must have at most ${maxMetadataEntries} entries`,
  );
const futureInstant = z.iso
  .datetime({
    offset: true,
    error: "must be an ISO-8601 date-time with a time zone, e.g. 2027-01-31T00:00:00Z",
  })
  .refine((value) => Date.parse(value) > Date.now(), "must be in the future");

/** `models` entries must name a model group or a catalog model of this gateway. */
export type ModelCheck = (name: string) => boolean;

function models(isKnown: ModelCheck) {
  return z
    .array(z.string().min(1).max(256))
    .min(1, "must name at least one model group or model (leave it out for any)")
    .max(1000)
    .superRefine((names, context) => {
      names.forEach((name, index) => {
        if (!isKnown(name)) {
          context.addIssue({
            code: "custom",
            path: [index],
            message: `"${name}" is neither a model group nor a catalog model (GET /v1/models lists them)`,
          });
        }
      });
    });
}

const budget = z.strictObject({ daily_usd: usd.optional(), monthly_usd: usd.optional() });
const limits = z.strictObject({
  requests_per_minute: perMinute.optional(),
  tokens_per_minute: perMinute.optional(),
});

export function createKeyBodySchema(isKnown: ModelCheck) {
  return z.strictObject({
    name: keyName,
    projects,
    agents: agents.optional(),
    models: models(isKnown).optional(),
    budget: budget.optional(),
    limits: limits.optional(),
    expires_at: futureInstant.optional(),
    metadata: metadata.optional(),
  });
}

export function updateKeyBodySchema(isKnown: ModelCheck) {
  return z.strictObject({
    name: keyName.optional(),
    projects: projects.optional(),
    agents: agents.nullable().optional(),
    models: models(isKnown).nullable().optional(),
    budget: z
      .strictObject({ daily_usd: usd.nullable().optional(), monthly_usd: usd.nullable().optional() })
      .nullable()
      .optional(),
    limits: z
      .strictObject({
        requests_per_minute: perMinute.nullable().optional(),
        tokens_per_minute: perMinute.nullable().optional(),
      })
      .nullable()
      .optional(),
    expires_at: futureInstant.nullable().optional(),
    metadata: metadata.nullable().optional(),
  });
}

export const setLimitsBodySchema = z.strictObject({
  daily_usd: usd.nullable().optional(),
  monthly_usd: usd.nullable().optional(),
  requests_per_minute: perMinute.nullable().optional(),
  tokens_per_minute: perMinute.nullable().optional(),
});

export const listKeysQuerySchema = z.strictObject({
  include_revoked: z.enum(["true", "false"], { error: 'must be "true" or "false"' }).optional(),
});
export const listBudgetsQuerySchema = z.strictObject({ project: projectIdSchema.optional() });

const instant = z.iso.datetime({ offset: true });

export const keyViewSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  projects: z.union([z.literal("*"), z.array(z.string())]),
  agents: z.array(z.string()).nullable(),
  models: z.array(z.string()).nullable(),
  budget: z.strictObject({ daily_usd: z.number().nullable(), monthly_usd: z.number().nullable() }),
  limits: z.strictObject({
    requests_per_minute: z.number().int().nullable(),
    tokens_per_minute: z.number().int().nullable(),
  }),
  expires_at: instant.nullable(),
  metadata: z.record(z.string(), z.string()),
  created_at: instant.nullable(),
  updated_at: instant.nullable(),
  revoked_at: instant.nullable(),
  /** `lgw_…` and the secret's last 4 characters; null for keys from the environment or config file. */
  secret_hint: z.string().nullable(),
  source: z.enum(["admin", "config"]),
  spend: z
    .strictObject({ today_usd: z.number().nullable(), month_usd: z.number().nullable() })
    .describe(
      "spent in the current UTC day and month; null for a config key (not kept) or while the spend store cannot be read",
    ),
});

export const keyWithSecretSchema = z.strictObject({
  key: keyViewSchema,
  secret: z.string().regex(/^lgw_[A-Za-z0-9_-]{43}$/),
});

export const budgetEntrySchema = z.strictObject({
  scope: z.enum(["project", "agent", "key"]),
  project_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  key_id: z.string().nullable(),
  budget: z.strictObject({ daily_usd: z.number().nullable(), monthly_usd: z.number().nullable() }),
  limits: z.strictObject({
    requests_per_minute: z.number().int().nullable(),
    tokens_per_minute: z.number().int().nullable(),
  }),
  source: z.enum(["config", "admin", "both"]),
  standing: z.array(
    z.strictObject({
      period: z.enum(["day", "month"]),
      limit_usd: z.number(),
      spent_usd: z.number(),
      held_usd: z.number(),
      resets_at: instant,
    }),
  ),
  /** Where the scope's requests and tokens per minute limits stand in the current minute. */
  rate_standing: z.array(
    z.strictObject({
      scope: z.enum(["project", "agent", "key"]),
      limit: z.enum(["requests_per_minute", "tokens_per_minute"]),
      allowed: z.number().int(),
      used: z.number().int(),
      resets_at: instant,
    }),
  ),
});

export const errorBodySchema = z.strictObject({
  error: z.strictObject({
    message: z.string(),
    type: z.string(),
    param: z.string().nullable(),
    code: z.string(),
  }),
});

export type KeyView = z.infer<typeof keyViewSchema>;
export type BudgetEntryView = z.infer<typeof budgetEntrySchema>;
