// One build per cache entry at a time: the others wait, then use its result.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { log, sleep, warn } from "./log.mjs";

const LOCK_STALE_MS = 3 * 60 * 60 * 1000;
let heldLock = null;

export async function acquireLock(entryDir) {
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

export function releaseLock() {
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
