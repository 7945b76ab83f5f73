import type { Worker } from "node:cluster";
import { EventEmitter } from "node:events";
import type { ClusterHub } from "./cluster-hub.js";
import { WorkerLink } from "./worker-link.js";

/**
 * A worker's link to a hub in this same process, for tests of the IPC implementations: messages
 * go through JSON and arrive on a later turn of the event loop, as over a real IPC channel.
 * `disconnect` ends the channel as a dying worker's would (the hub sees the worker exit).
 */
export function connectInProcess(hub: ClusterHub, pid: number): { link: WorkerLink; disconnect(): void } {
  const workerSide = new EventEmitter() as EventEmitter & {
    connected: boolean;
    send(
      message: unknown,
      handle: unknown,
      options: unknown,
      callback?: (error: Error | null) => void,
    ): boolean;
    disconnect(): void;
  };
  const primarySide = new EventEmitter() as EventEmitter & {
    id: number;
    process: { pid: number };
    isConnected(): boolean;
    send(message: unknown, handle: unknown, callback?: (error: Error | null) => void): boolean;
  };
  const deliver = (to: EventEmitter, message: unknown) => {
    const copy = JSON.parse(JSON.stringify(message)) as unknown;
    setImmediate(() => to.emit("message", copy));
  };
  workerSide.connected = true;
  workerSide.send = (message, _handle, _options, callback) => {
    deliver(primarySide, message);
    callback?.(null);
    return true;
  };
  const disconnect = () => {
    if (!workerSide.connected) return;
    workerSide.connected = false;
    workerSide.emit("disconnect");
    primarySide.emit("exit", 0, null);
  };
  workerSide.disconnect = disconnect;
  primarySide.id = pid;
  primarySide.process = { pid };
  primarySide.isConnected = () => workerSide.connected;
  primarySide.send = (message, _handle, callback) => {
    if (workerSide.connected) deliver(workerSide, message);
    callback?.(null);
    return true;
  };
  hub.attach(primarySide as unknown as Worker);
  // The test's process is no worker: losing the "primary" must not stop it.
  return { link: new WorkerLink(workerSide as unknown as NodeJS.Process, () => {}), disconnect };
}
