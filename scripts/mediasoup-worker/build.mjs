#!/usr/bin/env node
// Produces node_modules/mediasoup/worker/out/Release/mediasoup-worker.
//
// Order: MEDIASOUP_WORKER_BIN given -> nothing to do; cached binary -> copy it
// (seconds); mediasoup's prebuilt from GitHub (short timeout) -> cache it;
// otherwise build from source against Debian's libraries with the local meson
// subprojects next to this file -> cache it. See README.md in this folder; one
// module per phase in lib/ (locate, cache, lock, prebuilt + tar, patches +
// source-build, verify).
//
// Plain Node ESM, Node built-ins only: it runs at postinstall time, on whatever
// Node runs npm. Run with cwd = project root:
//   node scripts/mediasoup-worker/build.mjs [--from-source] [--force]

import * as fs from "node:fs";
import * as path from "node:path";
import { cacheEntry, useCache, writeInfo } from "./lib/cache.mjs";
import { BIN_NAME, install, isExecutableFile } from "./lib/files.mjs";
import { findMediasoup, readVersion } from "./lib/locate.mjs";
import { acquireLock, releaseLock } from "./lib/lock.mjs";
import { BuildError, log, secs, TAG, warn } from "./lib/log.mjs";
import { downloadPrebuilt } from "./lib/prebuilt.mjs";
import { buildFromSource } from "./lib/source-build.mjs";
import { verify } from "./lib/verify.mjs";

const args = new Set(process.argv.slice(2));
const FORCE = args.has("--force");
const FROM_SOURCE = args.has("--from-source") || Boolean(process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD);

try {
  await main();
} catch (error) {
  releaseLock();
  if (error instanceof BuildError) {
    console.error(`${TAG} ERROR: ${error.message}`);
  } else {
    console.error(`${TAG} ERROR:`, error);
  }
  process.exit(1);
}

async function main() {
  const t0 = Date.now();
  const projectRoot = process.cwd();

  if (isExecutableFile(process.env.MEDIASOUP_WORKER_BIN)) {
    log(`MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} exists, nothing to do`);
    return;
  }

  if (process.env.MEDIASOUP_WORKER_BIN) {
    warn(
      `MEDIASOUP_WORKER_BIN=${process.env.MEDIASOUP_WORKER_BIN} is not an executable file yet; mediasoup will use that path at run time`,
    );
  }

  const mediasoupDir = findMediasoup(projectRoot);
  if (!mediasoupDir) {
    log("mediasoup is not installed in this project, skipping the worker");
    return;
  }

  const version = readVersion(mediasoupDir);
  const target = path.join(mediasoupDir, "worker", "out", "Release", BIN_NAME);
  const entry = cacheEntry(version);

  log(`mediasoup ${version} at ${path.relative(projectRoot, mediasoupDir) || "."}, cache ${entry.dir}`);

  if (!/^3\.19\./.test(version)) {
    warn(`note: the source-build shims were written for mediasoup 3.19.x, this is ${version}`);
  }

  if (!FORCE && useCache(entry.binary, target, projectRoot, mediasoupDir)) {
    log(`done in ${secs(t0)}`);
    return;
  }

  fs.mkdirSync(entry.dir, { recursive: true });
  await acquireLock(entry.dir);

  try {
    // Someone else may have filled the cache while we waited for the lock.
    if (FORCE || !useCache(entry.binary, target, projectRoot, mediasoupDir)) {
      let source = null;

      if (!FROM_SOURCE) {
        source = (await downloadPrebuilt(version, entry.dir)) ? "prebuilt" : null;
      }
      if (!source) {
        await buildFromSource(mediasoupDir, entry.dir);
        source = "source";
      }

      writeInfo(entry.dir, { version, key: entry.key, source, seconds: Math.round((Date.now() - t0) / 1000) });
      install(entry.binary, target);
      verify(target, projectRoot, mediasoupDir, source);
      log(`installed ${target} (${source}), cached at ${entry.binary}`);
    }
  } finally {
    releaseLock();
  }

  log(`done in ${secs(t0)}`);
}
