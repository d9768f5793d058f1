// mediasoup's prebuilt worker from its GitHub release (what mediasoup's own postinstall tries
// first), with short timeouts: on a machine without GitHub this fails fast and we build instead.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BIN_NAME } from "./files.mjs";
import { log, warn } from "./log.mjs";
import { extractFromTgz } from "./tar.mjs";
import { workerHealthy } from "./verify.mjs";

const PREBUILT_TIMEOUT_MS = 20_000; // until the response headers arrive
const PREBUILT_BODY_TIMEOUT_MS = 120_000; // whole download

/** Downloads the prebuilt worker into the cache entry; false (and why, logged) when there is none that runs. */
export async function downloadPrebuilt(version, entryDir) {
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
