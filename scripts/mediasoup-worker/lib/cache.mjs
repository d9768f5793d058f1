// The cache of built workers, outside the clone: one entry per mediasoup version, platform and
// source-build recipe, so fresh clones on the same machine reuse a binary built once.
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN_NAME, install, isExecutableFile, listFiles, sameFile } from "./files.mjs";
import { log, warn } from "./log.mjs";
import { RUNTIME_PACKAGES, verify, workerHealthy } from "./verify.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SUBPROJECTS_DIR = path.join(HERE, "..", "subprojects");
/** What the binary is made from (the rest of the script only finds, fetches or copies it). */
const RECIPE_FILES = ["source-build.mjs", "patches.mjs"].map((name) => path.join(HERE, name));

/** The sha256 of the mediasoup version, the platform, the recipe files and every subproject file. */
function computeKey(version) {
  const h = createHash("sha256");
  h.update(`mediasoup@${version}\0${process.platform}-${process.arch}\0`);
  for (const file of RECIPE_FILES) {
    h.update(`\0${path.basename(file)}\0`);
    h.update(fs.readFileSync(file));
  }
  for (const rel of listFiles(SUBPROJECTS_DIR)) {
    h.update(`\0${rel}\0`);
    h.update(fs.readFileSync(path.join(SUBPROJECTS_DIR, rel)));
  }
  return h.digest("hex");
}

/** `${HUDDLE_CACHE_DIR:-~/.cache/huddle}/mediasoup-worker/<version>-<hash12>`, its binary and key. */
export function cacheEntry(version) {
  const key = computeKey(version).slice(0, 12);
  const cacheRoot = process.env.HUDDLE_CACHE_DIR || path.join(os.homedir(), ".cache", "huddle");
  const dir = path.join(cacheRoot, "mediasoup-worker", `${version}-${key}`);
  return { dir, key, binary: path.join(dir, BIN_NAME) };
}

/** Puts the cached binary at `target` when the cache has one that runs here; false otherwise. */
export function useCache(cached, target, projectRoot, mediasoupDir) {
  if (!isExecutableFile(cached)) return false;

  if (!workerHealthy(cached)) {
    warn(
      `cached binary does not run on this host (missing runtime libraries? apt-get install -y ${RUNTIME_PACKAGES}); discarding it`,
    );
    fs.rmSync(cached, { force: true });
    return false;
  }

  if (isExecutableFile(target) && sameFile(cached, target)) {
    log("target already matches the cached binary");
    return true;
  }

  log("copying the cached binary into place");
  install(cached, target);
  verify(target, projectRoot, mediasoupDir, "cache");
  return true;
}

/** info.json next to the cached binary: where it came from, when, how long it took. */
export function writeInfo(entryDir, info) {
  const file = path.join(entryDir, "info.json");
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ ...info, date: new Date().toISOString() }, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
