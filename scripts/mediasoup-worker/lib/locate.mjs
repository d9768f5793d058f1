// Where mediasoup is installed (hoisted, or in a workspace when it is not).
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { safeReaddir } from "./files.mjs";

/** The folder of the mediasoup package this project resolves, or null when it has none. */
export function findMediasoup(projectRoot) {
  const roots = [projectRoot];

  // Not hoisted (e.g. a version conflict): look in the workspaces too.
  try {
    const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8"));
    const ws = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
    for (const pattern of ws) {
      if (pattern.endsWith("/*")) {
        const parent = path.join(projectRoot, pattern.slice(0, -2));
        for (const name of safeReaddir(parent)) roots.push(path.join(parent, name));
      } else if (!pattern.includes("*")) {
        roots.push(path.join(projectRoot, pattern));
      }
    }
  } catch {
    // No or unreadable package.json: the project root alone.
  }

  for (const root of roots) {
    let entry;
    try {
      entry = createRequire(path.join(root, "noop.js")).resolve("mediasoup");
    } catch {
      continue;
    }
    // package.json is not in mediasoup's "exports": walk up from its entry.
    for (let dir = path.dirname(entry); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const pj = path.join(dir, "package.json");
      if (fs.existsSync(pj) && JSON.parse(fs.readFileSync(pj, "utf8")).name === "mediasoup") return dir;
    }
  }
  return null;
}

export function readVersion(mediasoupDir) {
  return JSON.parse(fs.readFileSync(path.join(mediasoupDir, "package.json"), "utf8")).version;
}
