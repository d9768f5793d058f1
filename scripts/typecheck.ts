// Type-checks every TypeScript project of the repo: each tsconfig.json under the
// workspaces, tests/ and scripts/ (node_modules excluded), one `tsc -p` each.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";

const roots = ["protocol", "edge", "media-node", "web", "tests", "scripts"];
const projects: string[] = [];

function walk(dir: string): void {
  if (!existsSync(dir)) return;
  if (existsSync(join(dir, "tsconfig.json"))) projects.push(dir);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "node_modules" && !entry.name.startsWith(".") && entry.name !== "dist") {
      walk(join(dir, entry.name));
    }
  }
}
for (const root of roots) walk(root);

let failed = 0;
for (const project of projects) {
  const result = spawnSync("npx", ["tsc", "-p", project], { stdio: "inherit" });
  if (result.status !== 0) {
    failed++;
    console.error(`typecheck: ${project} has type errors`);
  }
}
console.log(`typecheck: ${projects.length - failed} of ${projects.length} projects clean (${projects.join(", ")})`);
process.exit(failed === 0 ? 0 : 1);
