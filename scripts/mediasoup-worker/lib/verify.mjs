// Does a worker binary run here, and does mediasoup itself start it from its default path?
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import * as path from "node:path";
import { BuildError, log } from "./log.mjs";

/** Debian's run-time libraries of a worker built from source. */
export const RUNTIME_PACKAGES = "libssl3 libuv1 libsrtp2-1 libusrsctp2 libabsl20220623";

/** A worker run without environment exits with 41 (no MEDIASOUP_VERSION). */
export function workerHealthy(bin) {
  const r = spawnSync(bin, [], { env: {}, stdio: "ignore", timeout: 15_000 });
  return r.status === 41;
}

export function verify(target, projectRoot, mediasoupDir, source) {
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
