import { readFileSync } from "node:fs";
import { relative } from "node:path";

/*
 * Top self-time functions of a V8 .cpuprofile (node --cpu-prof, as
 * `npm run bench -- --cpu-prof` writes for the gateway):
 *   tsx bench/summarize-profile.ts <file.cpuprofile> [how many]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

const [file, top = "25"] = process.argv.slice(2);
if (!file) throw new Error("usage: summarize-profile <file.cpuprofile> [how many]");
const profile = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
};
const hits = new Map<string, number>();
let total = 0;
for (const node of profile.nodes) {
  const count = node.hitCount ?? 0;
  total += count;
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${relative(process.cwd(), url.replace(/^file:\/\//, ""))}:${lineNumber + 1}` : "";
  const key = `${functionName || "(anonymous)"} ${where}`.trim();
  hits.set(key, (hits.get(key) ?? 0) + count);
}
const seconds = (profile.endTime - profile.startTime) / 1e6;
process.stdout.write(`${total} samples over ${seconds.toFixed(1)} s\n`);
for (const [key, count] of [...hits].sort((a, b) => b[1] - a[1]).slice(0, Number(top))) {
  process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)}%  ${key}\n`);
}
