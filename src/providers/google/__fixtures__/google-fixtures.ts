import { readFileSync } from "node:fs";
import type { EventSourceMessage } from "eventsource-parser";

function read(name: string): string {
  return readFileSync(new URL(`./${name}`, import.meta.url), "utf8");
}

/** A recorded-shape JSON body from this folder. */
export function googleFixture(name: string): unknown {
  return JSON.parse(read(name));
}

/** The lines of a `.chunks.txt` fixture: one SSE `data:` payload each. */
export function googleChunkLines(name: string): string[] {
  return read(name)
    .split("\n")
    .filter((line) => line.trim() !== "");
}

/** A `.chunks.txt` fixture as the SSE events parseSse would yield. */
export async function* googleChunkEvents(name: string, keepLines?: number): AsyncGenerator<EventSourceMessage> {
  for (const data of googleChunkLines(name).slice(0, keepLines)) yield { data };
}
