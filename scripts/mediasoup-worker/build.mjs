#!/usr/bin/env node
// Produces node_modules/mediasoup/worker/out/Release/mediasoup-worker.
//
// Order: MEDIASOUP_WORKER_BIN given -> nothing to do; cached binary -> copy it
// (seconds); mediasoup's prebuilt from GitHub (short timeout) -> cache it;
// otherwise build from source against Debian's libraries with the local meson
// subprojects next to this file -> cache it. See README.md in this folder.
//
// Plain Node ESM, Node built-ins only. Run with cwd = project root:
//   node scripts/mediasoup-worker/build.mjs [--from-source] [--force]

import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const TAG = "[mediasoup-worker]";
const SCRIPT_FILE = fileURLToPath(import.meta.url);
const SCRIPT_DIR = path.dirname(SCRIPT_FILE);
const SUBPROJECTS_DIR = path.join(SCRIPT_DIR, "subprojects");
const BIN_NAME = process.platform === "win32" ? "mediasoup-worker.exe" : "mediasoup-worker";
const PREBUILT_TIMEOUT_MS = 20_000; // until the response headers arrive
const PREBUILT_BODY_TIMEOUT_MS = 120_000; // whole download
const LOCK_STALE_MS = 3 * 60 * 60 * 1000;

// mediasoup bug exposed by Debian's kTLS-enabled OpenSSL: the BIO callback
// gets `BIO_CB_RETURN | op`, so `==` answers 1 to every control query (kTLS
// included) and the worker segfaults on the first DTLS handshake.
const DTLS_PATCH = {
  file: "src/RTC/DtlsTransport.cpp",
  from: "const long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;",
  to: "const long resultOfcallback = ((operationType & BIO_CB_RETURN) != 0) ? static_cast<long>(ret) : 1;",
};

// Debian 12 ships meson 1.0.1; the worker asks for >= 1.1.0 but builds fine.
const MESON_VERSION_RE = /meson_version\s*:\s*'[^']*'/;
const MESON_VERSION_RELAXED = "meson_version: '>= 1.0.0'";

// What the source build needs: [kind, name, Debian package].
const BUILD_REQUIREMENTS = [
  ["cmd", "meson", "meson"],
  ["cmd", "ninja", "ninja-build"],
  ["cmd", "pkg-config", "pkg-config"],
  ["cmd", "cc", "build-essential"],
  ["cmd", "c++", "build-essential"],
  ["cmd", "flatc", "flatbuffers-compiler"],
  ["pc", "openssl", "libssl-dev"],
  ["pc", "libuv", "libuv1-dev"],
  ["pc", "libsrtp2", "libsrtp2-dev"],
  ["pc", "usrsctp", "libusrsctp-dev"],
  ["pc", "flatbuffers", "libflatbuffers-dev"],
  ["pc", "absl_flat_hash_map", "libabsl-dev"],
  ["pc", "absl_btree", "libabsl-dev"],
  ["pc", "absl_strings", "libabsl-dev"],
  ["pc", "absl_optional", "libabsl-dev"],
  ["header", "libsrtp2:srtp2/srtp.h", "libsrtp2-dev"],
  ["header", "usrsctp:usrsctp.h", "libusrsctp-dev"],
  ["header", "flatbuffers:flatbuffers/flatbuffers.h", "libflatbuffers-dev"],
];
const RUNTIME_PACKAGES = "libssl3 libuv1 libsrtp2-1 libusrsctp2 libabsl20220623";

const log = (...args) => console.log(TAG, ...args);
const warn = (...args) => console.warn(TAG, ...args);

class BuildError extends Error {}

const args = new Set(process.argv.slice(2));
const FORCE = args.has("--force");
const FROM_SOURCE = args.has("--from-source") || Boolean(process.env.MEDIASOUP_SKIP_WORKER_PREBUILT_DOWNLOAD);

let heldLock = null;

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

  const version = JSON.parse(fs.readFileSync(path.join(mediasoupDir, "package.json"), "utf8")).version;
  const target = path.join(mediasoupDir, "worker", "out", "Release", BIN_NAME);
  const hash12 = computeKey(version).slice(0, 12);
  const cacheRoot = process.env.HUDDLE_CACHE_DIR || path.join(os.homedir(), ".cache", "huddle");
  const entryDir = path.join(cacheRoot, "mediasoup-worker", `${version}-${hash12}`);
  const cached = path.join(entryDir, BIN_NAME);

  log(`mediasoup ${version} at ${path.relative(projectRoot, mediasoupDir) || "."}, cache ${entryDir}`);

  if (!/^3\.19\./.test(version)) {
    warn(`note: the source-build shims were written for mediasoup 3.19.x, this is ${version}`);
  }

  if (!FORCE && (await useCache(cached, target, projectRoot, mediasoupDir))) {
    log(`done in ${secs(t0)}`);
    return;
  }

  fs.mkdirSync(entryDir, { recursive: true });
  await acquireLock(entryDir);

  try {
    // Someone else may have filled the cache while we waited for the lock.
    if (FORCE || !(await useCache(cached, target, projectRoot, mediasoupDir))) {
      let source = null;

      if (!FROM_SOURCE) {
        source = (await downloadPrebuilt(version, entryDir)) ? "prebuilt" : null;
      }
      if (!source) {
        await buildFromSource(mediasoupDir, entryDir);
        source = "source";
      }

      writeInfo(entryDir, { version, key: hash12, source, seconds: Math.round((Date.now() - t0) / 1000) });
      install(cached, target);
      verify(target, projectRoot, mediasoupDir, source);
      log(`installed ${target} (${source}), cached at ${cached}`);
    }
  } finally {
    releaseLock();
  }

  log(`done in ${secs(t0)}`);
}

// ---------------------------------------------------------------------------
// Locating mediasoup and the cache key

function findMediasoup(projectRoot) {
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

function computeKey(version) {
  const h = createHash("sha256");
  h.update(`mediasoup@${version}\0${process.platform}-${process.arch}\0`);
  h.update(fs.readFileSync(SCRIPT_FILE));
  for (const rel of listFiles(SUBPROJECTS_DIR)) {
    h.update(`\0${rel}\0`);
    h.update(fs.readFileSync(path.join(SUBPROJECTS_DIR, rel)));
  }
  h.update(`\0${DTLS_PATCH.file}\0${DTLS_PATCH.from}\0${DTLS_PATCH.to}`);
  return h.digest("hex");
}

function listFiles(dir, prefix = "") {
  const out = [];
  for (const d of fs.readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...listFiles(dir, rel));
    else out.push(rel);
  }
  return out.sort();
}

// ---------------------------------------------------------------------------
// Cache, install, verification

async function useCache(cached, target, projectRoot, mediasoupDir) {
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

// Atomic copy: temp file in the destination folder, then rename.
function install(src, dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${Date.now()}`;
  try {
    fs.copyFileSync(src, tmp);
    fs.chmodSync(tmp, 0o755);
    fs.renameSync(tmp, dest);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}

// A worker run without environment exits with 41 (no MEDIASOUP_VERSION).
function workerHealthy(bin) {
  const r = spawnSync(bin, [], { env: {}, stdio: "ignore", timeout: 15_000 });
  return r.status === 41;
}

function verify(target, projectRoot, mediasoupDir, source) {
  if (!workerHealthy(target)) {
    const hint =
      source === "prebuilt"
        ? ""
        : ` (a source-built worker needs Debian's runtime libraries: apt-get install -y ${RUNTIME_PACKAGES})`;
    throw new BuildError(`${target} does not run on this host${hint}`);
  }

  // The real check: mediasoup itself spawns the worker from its default path.
  const entry = createRequire(path.join(mediasoupDir, "noop.js")).resolve(mediasoupDir);
  const env = { ...process.env };
  delete env.MEDIASOUP_WORKER_BIN;
  delete env.MEDIASOUP_BUILDTYPE;
  const code = `
		const ms = require(${JSON.stringify(entry)});
		ms.createWorker({ logLevel: 'warn' })
			.then((w) => { const pid = w.pid; w.close(); console.log('worker pid ' + pid + ' ok'); })
			.catch((e) => { console.error(e); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: projectRoot, env, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) {
    throw new BuildError(
      `mediasoup.createWorker() failed with the installed worker:\n${r.stdout}${r.stderr}${r.error ?? ""}`,
    );
  }
  log(`verified: exit code 41 without environment; mediasoup.createWorker() ${r.stdout.trim()}`);
}

function writeInfo(entryDir, info) {
  const file = path.join(entryDir, "info.json");
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify({ ...info, date: new Date().toISOString() }, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

// ---------------------------------------------------------------------------
// Lock: one build per cache entry at a time; others wait, then use its result.

async function acquireLock(entryDir) {
  const lockDir = path.join(entryDir, ".lock");
  let announced = false;

  for (;;) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      heldLock = lockDir;
      for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
        process.once(sig, () => {
          releaseLock();
          process.exit(128 + (os.constants.signals[sig] ?? 1));
        });
      }
      process.once("exit", releaseLock);
      return;
    } catch (error) {
      if (error.code !== "EEXIST") throw error;
    }

    let pid = 0;
    let age = 0;
    try {
      pid = Number(fs.readFileSync(path.join(lockDir, "pid"), "utf8"));
      age = Date.now() - fs.statSync(lockDir).mtimeMs;
    } catch {
      // Lock being created or removed right now.
    }
    if ((pid && !processAlive(pid)) || age > LOCK_STALE_MS) {
      warn(`removing stale lock ${lockDir}`);
      fs.rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!announced) {
      log(`another process (pid ${pid || "?"}) is producing this worker, waiting for it`);
      announced = true;
    }
    await sleep(3000);
  }
}

function releaseLock() {
  if (!heldLock) return;
  fs.rmSync(heldLock, { recursive: true, force: true });
  heldLock = null;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

// ---------------------------------------------------------------------------
// Prebuilt download (what mediasoup's own postinstall does first)

async function downloadPrebuilt(version, entryDir) {
  const major = Number(os.release().split(".")[0]);
  const tarName = `mediasoup-worker-${version}-${os.platform()}-${os.arch()}${os.platform() === "linux" ? `-kernel${major}` : ""}.tgz`;
  const base =
    process.env.MEDIASOUP_WORKER_PREBUILT_DOWNLOAD_BASE_URL ||
    "https://github.com/versatica/mediasoup/releases/download";
  const url = `${base}/${version}/${tarName}`;

  log(`trying the prebuilt worker ${url}`);

  const controller = new AbortController();
  let timer = setTimeout(
    () => controller.abort(new Error(`no answer within ${PREBUILT_TIMEOUT_MS / 1000} s`)),
    PREBUILT_TIMEOUT_MS,
  );
  let tgz;
  try {
    const res = await fetch(url, { signal: controller.signal, redirect: "follow" });
    if (!res.ok) {
      log(`no prebuilt worker (HTTP ${res.status}), building from source`);
      return false;
    }
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error("download too slow")), PREBUILT_BODY_TIMEOUT_MS);
    tgz = Buffer.from(await res.arrayBuffer());
  } catch (error) {
    const reason = error?.cause?.code || error?.cause?.message || error?.message || String(error);
    log(`prebuilt worker unavailable (${reason}), building from source`);
    return false;
  } finally {
    clearTimeout(timer);
  }

  let bin;
  try {
    bin = extractFromTgz(tgz, BIN_NAME);
  } catch (error) {
    warn(`could not read the prebuilt archive (${error.message}), building from source`);
    return false;
  }
  if (!bin) {
    warn(`the prebuilt archive has no ${BIN_NAME}, building from source`);
    return false;
  }

  const cached = path.join(entryDir, BIN_NAME);
  const tmp = `${cached}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, bin, { mode: 0o755 });
  if (!workerHealthy(tmp)) {
    fs.rmSync(tmp, { force: true });
    warn("the prebuilt worker does not run on this host, building from source");
    return false;
  }
  fs.renameSync(tmp, cached);
  log(`prebuilt worker downloaded (${(bin.length / 1e6).toFixed(1)} MB)`);
  return true;
}

// Minimal tar reader: returns the contents of the regular file named `want`.
function extractFromTgz(tgz, want) {
  const tar = gunzipSync(tgz);
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a, b) => h.subarray(a, b).toString("utf8").replace(/\0.*$/s, "");
    const sizeField = h.subarray(124, 136);
    const size = sizeField[0] & 0x80 ? Number(sizeField.readBigUInt64BE(4)) : parseInt(str(124, 136).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(257, 263).startsWith("ustar") ? str(345, 500) : "";
    const name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = null;
    const data = tar.subarray(off + 512, off + 512 + size);
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0.*$/s, "");
    } else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      if (m) longName = m[1];
    } else if ((type === "0" || type === "7") && path.posix.basename(name) === want) {
      return Buffer.from(data);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return null;
}

// ---------------------------------------------------------------------------
// Source build against Debian's libraries

async function buildFromSource(mediasoupDir, entryDir) {
  if (process.platform !== "linux") {
    throw new BuildError(
      "no prebuilt mediasoup worker could be downloaded and this script only builds it from source on Debian/Ubuntu Linux; set MEDIASOUP_WORKER_BIN to a worker binary instead",
    );
  }
  checkRequirements();

  const t0 = Date.now();
  const jobs = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);

  // We hold the lock: leftovers of earlier (failed or killed) builds can go.
  for (const name of safeReaddir(entryDir)) {
    if (name.startsWith("build-")) fs.rmSync(path.join(entryDir, name), { recursive: true, force: true });
  }
  const scratch = path.join(entryDir, `build-${process.pid}`);
  const srcDir = path.join(scratch, "worker");
  const buildDir = path.join(scratch, "out");
  const logFile = path.join(scratch, "build.log");

  log(`building from source in ${scratch} with ${jobs} jobs (takes minutes: about 4 on 2 cores)`);

  fs.mkdirSync(scratch, { recursive: true });
  fs.cpSync(path.join(mediasoupDir, "worker"), srcDir, {
    recursive: true,
    filter: (src) =>
      !["out", "prebuild", "pip_invoke", "subprojects"].includes(path.relative(path.join(mediasoupDir, "worker"), src)),
  });
  fs.cpSync(SUBPROJECTS_DIR, path.join(srcDir, "subprojects"), { recursive: true });

  // Relax the meson version requirement (Debian 12 has 1.0.1).
  const mesonBuild = path.join(srcDir, "meson.build");
  const mesonText = fs.readFileSync(mesonBuild, "utf8");
  if (MESON_VERSION_RE.test(mesonText)) {
    fs.writeFileSync(mesonBuild, mesonText.replace(MESON_VERSION_RE, MESON_VERSION_RELAXED));
  } else {
    warn("worker/meson.build has no meson_version requirement to relax");
  }

  // DTLS fix: must apply exactly once, or the worker crashes on DTLS.
  const dtlsFile = path.join(srcDir, DTLS_PATCH.file);
  const dtlsText = fs.readFileSync(dtlsFile, "utf8");
  const hits = dtlsText.split(DTLS_PATCH.from).length - 1;
  if (hits !== 1) {
    throw new BuildError(
      `cannot apply the DTLS BIO_CB_RETURN fix: expected the text "${DTLS_PATCH.from}" once in worker/${DTLS_PATCH.file}, found it ${hits} times; review the patch for mediasoup ${readVersion(mediasoupDir)} (left the sources in ${scratch})`,
    );
  }
  fs.writeFileSync(dtlsFile, dtlsText.replace(DTLS_PATCH.from, DTLS_PATCH.to));
  log(`patched worker/${DTLS_PATCH.file} (BIO_CB_RETURN test)`);

  const logStream = fs.openSync(logFile, "w");
  try {
    log("meson setup (release, liburing disabled, Debian libraries)");
    await run(
      "meson",
      [
        "setup",
        "--buildtype=release",
        "-Db_ndebug=true",
        "-Dms_disable_liburing=true",
        "--wrap-mode=nodownload",
        buildDir,
        srcDir,
      ],
      logStream,
      logFile,
    );
    log("building flatbuffers-generator");
    await run("meson", ["compile", "-C", buildDir, "-j", String(jobs), "flatbuffers-generator"], logStream, logFile);
    log("building mediasoup-worker");
    await run("meson", ["compile", "-C", buildDir, "-j", String(jobs), "mediasoup-worker"], logStream, logFile, true);
  } finally {
    fs.closeSync(logStream);
  }

  const built = path.join(buildDir, BIN_NAME);
  if (!fs.existsSync(built)) throw new BuildError(`the build finished but ${built} is missing (log: ${logFile})`);
  if (!workerHealthy(built)) {
    throw new BuildError(
      `the freshly built worker does not start (expected exit code 41); sources and log left in ${scratch}`,
    );
  }

  install(built, path.join(entryDir, BIN_NAME));
  fs.rmSync(scratch, { recursive: true, force: true });
  log(`built from source in ${secs(t0)}`);
}

function checkRequirements() {
  const missing = [];
  const packages = new Set();
  const hasPkgConfig = Boolean(findOnPath("pkg-config"));

  for (const [kind, name, pkg] of BUILD_REQUIREMENTS) {
    let ok = true;
    if (kind === "cmd") {
      ok = Boolean(findOnPath(name) || (name === "ninja" && findOnPath("ninja-build")));
    } else if (kind === "pc") {
      ok = hasPkgConfig && spawnSync("pkg-config", ["--exists", name]).status === 0;
    } else if (kind === "header") {
      const [module, header] = name.split(":");
      const r = hasPkgConfig ? spawnSync("pkg-config", ["--variable=includedir", module], { encoding: "utf8" }) : null;
      const dirs = [r?.stdout?.trim(), "/usr/include", "/usr/local/include"].filter(Boolean);
      ok = dirs.some((d) => fs.existsSync(path.join(d, header)));
    }
    if (!ok) {
      missing.push(kind === "header" ? name.split(":")[1] : kind === "pc" ? `${name}.pc` : name);
      packages.add(pkg);
    }
  }

  if (missing.length === 0) {
    const v = spawnSync("meson", ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
    if (Number(v.split(".")[0]) < 1) {
      throw new BuildError(
        `meson ${v} is too old to build the mediasoup worker (need >= 1.0, Debian 12 has 1.0.1): run \`apt-get install -y meson\` as root on Debian 12 or newer`,
      );
    }
    return;
  }

  throw new BuildError(
    `building the mediasoup worker from source needs ${missing.join(", ")}: run \`apt-get install -y ${[...packages].join(" ")}\` as root (all build packages: build-essential meson ninja-build pkg-config python3 libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev libflatbuffers-dev flatbuffers-compiler), then run \`node scripts/mediasoup-worker/build.mjs\` again`,
  );
}

// Runs a command, output to the log file; prints ninja progress every ~10 %.
function run(cmd, argv, logFd, logFile, progress = false) {
  fs.writeSync(logFd, `\n$ ${cmd} ${argv.join(" ")}\n`);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let lastDecile = -1;
    let partial = "";
    const onData = (chunk) => {
      fs.writeSync(logFd, chunk);
      if (!progress) return;
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop();
      for (const line of lines) {
        const m = /^\[(\d+)\/(\d+)\]/.exec(line);
        if (!m) continue;
        const decile = Math.floor((Number(m[1]) / Number(m[2])) * 10);
        if (decile > lastDecile) {
          lastDecile = decile;
          log(`  ${decile * 10}% (${m[1]}/${m[2]})`);
        }
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("error", (error) => reject(new BuildError(`cannot run ${cmd}: ${error.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolve();
      let tail = "";
      try {
        tail = fs.readFileSync(logFile, "utf8").split("\n").slice(-40).join("\n");
      } catch {
        // Log unreadable: the message below still names it.
      }
      reject(
        new BuildError(`${cmd} ${argv[0]} failed (${signal ?? `exit code ${code}`}); full log: ${logFile}\n${tail}`),
      );
    });
  });
}

// ---------------------------------------------------------------------------
// Small helpers

function isExecutableFile(file) {
  if (!file) return false;
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

function sameFile(a, b) {
  const sa = fs.statSync(a);
  const sb = fs.statSync(b);
  if (sa.size !== sb.size) return false;
  return fs.readFileSync(a).equals(fs.readFileSync(b));
}

function findOnPath(name) {
  for (const dir of (process.env.PATH || "").split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return null;
}

function safeReaddir(dir) {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

function readVersion(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function secs(t0) {
  const s = (Date.now() - t0) / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}
