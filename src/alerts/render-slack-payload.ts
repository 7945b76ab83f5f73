import type { Alert } from "./alert.js";
import { escapeMrkdwn } from "./alert.js";

const severityIcons = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" };

/**
 * The webhook body: Slack's incoming-webhook shape (`text` is the notification and the fallback,
 * `blocks` the message), plus an `alert` object with the machine-readable fields, which Slack
 * ignores and other receivers (PagerDuty-style routers, scripts) read.
 */
export function renderSlackPayload(alert: Alert, source: string): Record<string, unknown> {
  const title = escapeMrkdwn(alert.title);
  return {
    text: `${severityIcons[alert.severity]} ${title}`,
    blocks: [
      {
        type: "section",
        text: { type: "mrkdwn", text: `${severityIcons[alert.severity]} *${title}*\n${alert.details}` },
      },
      {
        type: "context",
        elements: [{ type: "mrkdwn", text: `${escapeMrkdwn(source)} · \`${alert.kind}\` · ${alert.at}` }],
      },
    ],
    alert: {
      kind: alert.kind,
      severity: alert.severity,
      title: alert.title,
      ...subjectFields(alert),
      values: alert.values,
      at: alert.at,
      source,
    },
  };
}

function subjectFields(alert: Alert): Record<string, string> {
  const { projectId, agentId, keyId, keyName, provider, model } = alert.subject;
  const fields: Record<string, string | undefined> = {
    project_id: projectId,
    agent_id: agentId,
    key_id: keyId,
    key_name: keyName,
    provider,
    model,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined)) as Record<
    string,
    string
  >;
}
