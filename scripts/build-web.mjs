// wrangler's [build] command (wrangler.toml): builds the web client into web/dist, the Worker's
// static assets, before `wrangler dev` and `wrangler deploy`, so both work on a fresh clone.
// HUDDLE_SKIP_WEB_BUILD=1 skips it: the test harnesses and `npm start` build web/dist once
// themselves (or serve none) and start `wrangler dev` many times.
//
// Plain JavaScript: wrangler runs it with whatever Node runs wrangler.
import { spawnSync } from "node:child_process";

if (process.env.HUDDLE_SKIP_WEB_BUILD === "1") process.exit(0);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const result = spawnSync(npm, ["run", "build", "-w", "web"], { stdio: "inherit", shell: process.platform === "win32" });
process.exit(result.status ?? 1);
