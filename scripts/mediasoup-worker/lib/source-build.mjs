// The worker built from mediasoup's sources against Debian's libraries, with the local meson
// subprojects (../subprojects) in place of the wraps that download. Part of the cache key
// (cache.mjs): a change here makes a new binary.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN_NAME, findOnPath, install, safeReaddir } from "./files.mjs";
import { readVersion } from "./locate.mjs";
import { BuildError, log, secs } from "./log.mjs";
import { patchSources } from "./patches.mjs";
import { workerHealthy } from "./verify.mjs";

const SUBPROJECTS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "subprojects");

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

/** Builds the worker in a scratch folder of the cache entry and puts the binary in the entry. */
export async function buildFromSource(mediasoupDir, entryDir) {
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
  patchSources(srcDir, readVersion(mediasoupDir), scratch);

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

/** Stops with one sentence naming the apt-get command when a build tool or library is missing. */
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

/** Runs a command, output to the log file; prints ninja progress every ~10 %. */
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
