/**
 * The admin API's answers as the CLI reads them: only the fields it prints, in the API's own
 * snake_case (see `GET /admin/openapi.json`).
 */
export interface KeyView {
  id: string;
  name: string;
  projects: string[] | "*";
  agents: string[] | null;
  models: string[] | null;
  budget: { daily_usd: number | null; monthly_usd: number | null };
  limits: { requests_per_minute: number | null; tokens_per_minute: number | null };
  expires_at: string | null;
  metadata: Record<string, string> | null;
  created_at: string | null;
  revoked_at: string | null;
  secret_hint: string | null;
  source: "admin" | "config";
  spend: { today_usd: number; month_usd: number } | null;
}

/** What creating or rotating a key answers: the only time its secret is shown. */
export interface KeyWithSecret {
  key: KeyView;
  secret: string;
}

export interface BudgetStanding {
  period: "day" | "month";
  limit_usd: number;
  spent_usd: number;
  held_usd: number;
  resets_at: string;
}

/** Where a requests or tokens per minute limit stands in the current minute. */
export interface RateStanding {
  scope: "project" | "agent" | "key";
  limit: "requests_per_minute" | "tokens_per_minute";
  allowed: number;
  used: number;
  resets_at: string;
}

export interface BudgetEntry {
  scope: "project" | "agent" | "key";
  project_id: string | null;
  agent_id: string | null;
  key_id: string | null;
  budget: { daily_usd: number | null; monthly_usd: number | null };
  limits: { requests_per_minute: number | null; tokens_per_minute: number | null };
  source: "config" | "admin" | "both";
  standing: BudgetStanding[];
  /** Absent from gateways older than rate limit standings. */
  rate_standing?: RateStanding[];
}
