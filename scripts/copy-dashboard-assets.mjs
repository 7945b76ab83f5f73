// The dashboard's page is plain HTML, CSS and ES modules served as they are; tsc emits only
// compiled TypeScript, so the build copies them next to the compiled dashboard-assets.js.
import { cpSync, rmSync } from "node:fs";

const from = new URL("../src/dashboard/assets/", import.meta.url);
const to = new URL("../dist/dashboard/assets/", import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith("tsconfig.json") });
