import type Database from "better-sqlite3";
import type { UsageRecord } from "../core/usage-record.js";
import { keepSmallPageCache } from "./open-sqlite-file.js";
import { recordTotals, totalsFields, type UsageBucket } from "./summarize-usage-buckets.js";
import { floorToHour } from "./usage-period.js";

/**
 * Commits a batch of bookings to `usage.sqlite` in one transaction: rows first, then only the
 * new rows' totals into their hours (a request id booked before adds nothing).
 */
export function sqliteUsageBatchWriter(db: Database.Database): (records: readonly UsageRecord[]) => void {
  const insertRecord = db.prepare(
    `INSERT OR IGNORE INTO usage_records (request_id, project_id, agent_id, model_group, provider, model,
       kind, door, input_tokens, output_tokens, cached_input_tokens, cache_write_input_tokens,
       cost_nano_usd, latency_ms, outcome, estimated, timestamp_ms, cache_hit, saved_nano_usd)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const addToHour = db.prepare(
    `INSERT INTO usage_hourly (project_id, hour_start_ms, agent_id, model, requests, input_tokens,
       output_tokens, cached_input_tokens, cache_write_input_tokens, cost_nano_usd, cache_hits, saved_nano_usd)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (project_id, hour_start_ms, agent_id, model) DO UPDATE SET
       requests = requests + excluded.requests,
       input_tokens = input_tokens + excluded.input_tokens,
       output_tokens = output_tokens + excluded.output_tokens,
       cached_input_tokens = cached_input_tokens + excluded.cached_input_tokens,
       cache_write_input_tokens = cache_write_input_tokens + excluded.cache_write_input_tokens,
       cost_nano_usd = cost_nano_usd + excluded.cost_nano_usd,
       cache_hits = cache_hits + excluded.cache_hits,
       saved_nano_usd = saved_nano_usd + excluded.saved_nano_usd`,
  );
  return db.transaction((records: readonly UsageRecord[]) => {
    const hours = new Map<string, UsageBucket & { projectId: string }>();
    for (const record of records) {
      const inserted = insertRecord.run(
        record.requestId,
        record.projectId,
        record.agentId,
        record.modelGroup,
        record.provider,
        record.model,
        record.kind,
        record.door,
        record.inputTokens,
        record.outputTokens,
        record.cachedInputTokens,
        record.cacheWriteInputTokens,
        record.costNanoUsd,
        record.latencyMs,
        record.outcome,
        record.estimated ? 1 : 0,
        record.timestamp,
        record.cacheHit ? 1 : 0,
        record.savedNanoUsd ?? 0,
      );
      if (inserted.changes === 0) continue;
      const hourStartMs = floorToHour(record.timestamp);
      const key = JSON.stringify([record.projectId, hourStartMs, record.agentId, record.model]);
      const hour = hours.get(key);
      const totals = recordTotals(record);
      if (hour === undefined) {
        hours.set(key, {
          projectId: record.projectId,
          agentId: record.agentId,
          model: record.model,
          hourStartMs,
          ...totals,
        });
      } else {
        for (const field of totalsFields) hour[field] += totals[field];
      }
    }
    for (const hour of hours.values()) {
      addToHour.run(
        hour.projectId,
        hour.hourStartMs,
        hour.agentId,
        hour.model,
        ...totalsFields.map((field) => hour[field]),
      );
    }
  });
}

/** A write connection as the usage store wants it: WAL, every commit fsync'd, patient with other processes' locks. */
export function openUsageWriteConnection(db: Database.Database, busyTimeoutMs: number): void {
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma(`busy_timeout = ${Math.trunc(busyTimeoutMs)}`);
  keepSmallPageCache(db);
}
