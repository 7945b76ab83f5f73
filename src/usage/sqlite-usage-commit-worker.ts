import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import type { UsageRecord } from "../core/usage-record.js";
import { openUsageWriteConnection, sqliteUsageBatchWriter } from "./sqlite-usage-batch-writer.js";
import type { UsageCommitReply, UsageCommitRequest, UsageCommitWorkerData } from "./usage-commit-thread.js";

/*
 * The usage store's committer, on its own thread: the fsync of every commit blocks this thread,
 * never the event loop that serves requests.
 */
const { path, busyTimeoutMs } = workerData as UsageCommitWorkerData;
const port = parentPort;
if (!port) throw new Error("the usage commit worker runs as a worker thread");
const db = new Database(path);
openUsageWriteConnection(db, busyTimeoutMs);
const commit = sqliteUsageBatchWriter(db);

port.on("message", (message: UsageCommitRequest) => {
  if (message.close) {
    db.close();
    port.close();
    return;
  }
  let reply: UsageCommitReply;
  try {
    commit(message.records as UsageRecord[]);
    reply = { id: message.id };
  } catch (error) {
    reply = { id: message.id, error: error instanceof Error ? error.message : String(error) };
  }
  port.postMessage(reply);
});
