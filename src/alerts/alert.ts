import type { AlertKind } from "../config/alerts-config.js";

export type AlertSeverity = "info" | "warning" | "critical";

/** Who or what an alert is about; only the fields that apply are set. Names and ids, never secrets. */
export interface AlertSubject {
  projectId?: string;
  agentId?: string;
  keyId?: string;
  keyName?: string;
  provider?: string;
  model?: string;
}

/** One alert, before it is rendered for a webhook. */
export interface Alert {
  kind: AlertKind;
  severity: AlertSeverity;
  /** One line a person reads first (Slack's notification text). */
  title: string;
  /** The details, in Slack mrkdwn. */
  details: string;
  subject: AlertSubject;
  /** The figures behind the alert, for machines (snake_case names). */
  values: Record<string, number | string | boolean | null>;
  /** ISO-8601. */
  at: string;
}

/** Slack mrkdwn treats `&`, `<` and `>` as markup: https://api.slack.com/reference/surfaces/formatting#escaping */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Dollars for people: cents above a dollar, four decimals below (a $0.50 budget at 80 % is $0.4000). */
export function formatUsd(nanoUsd: number): string {
  const usd = nanoUsd / 1e9;
  return `$${usd >= 1 ? usd.toFixed(2) : usd.toFixed(4)}`;
}

export function formatPercent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10} %`;
}
