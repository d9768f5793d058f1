// Ports for child processes that must be told their port before they start (`wrangler dev
// --port/--inspector-port`, npm start's HUDDLE_*_PORT). A child that can bind port 0 and report
// its port should (the media node does: tests/support/media-nodes.ts).
//
// "Bind port 0, close, hand the number on" is a race: until the child binds it, the kernel may
// give the same port to anyone else's bind(0) or outgoing connection (the ephemeral range), and
// mediasoup picks RTC ports at random in 10000-59999. So the ports handed out here lie above both
// ranges, each is reserved machine-wide by a lock file naming our pid (created with O_EXCL, so two
// test runs never get the same port; a dead owner's lock, or one older than an hour, is taken
// over), and is checked free before it is handed out. Our locks are removed when this process
// exits normally (vitest's workers may not: their locks expire).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isPortFree, isUdpPortFree } from "../../scripts/lib/ports.ts";

const LOCK_DIR = join(tmpdir(), "huddle-test-ports");
const mine = new Set<number>();

process.on("exit", () => {
  for (const port of mine) {
    try {
      if (readFileSync(lockFile(port), "utf8") === String(process.pid)) rmSync(lockFile(port), { force: true });
    } catch {
      // gone already
    }
  }
});

function lockFile(port: number): string {
  return join(LOCK_DIR, String(port));
}

/** Above the kernel's ephemeral range and mediasoup's default RTC range (10000-59999). */
function portRange(): { min: number; max: number } {
  let ephemeralMax = 60999;
  try {
    const [, high] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (high !== undefined && Number.isInteger(high)) ephemeralMax = high;
  } catch {
    // not Linux: the usual default
  }
  const min = Math.max(ephemeralMax, 59999) + 1;
  if (65535 - min < 500) throw new Error(`no room for test ports above the ephemeral range (ends at ${ephemeralMax})`);
  return { min, max: 65535 };
}

/** Older locks are stale whoever holds them: a pid seen from another PID namespace may look alive. */
const LOCK_MAX_AGE_MS = 60 * 60 * 1000;

function ownerAlive(port: number): boolean {
  try {
    if (Date.now() - statSync(lockFile(port)).mtimeMs > LOCK_MAX_AGE_MS) return false;
    const pid = Number(readFileSync(lockFile(port), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Creates the lock file of `port` for us; false when another live process holds it. */
function lock(port: number): boolean {
  mkdirSync(LOCK_DIR, { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile(port), "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      mine.add(port);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      if (ownerAlive(port)) return false;
      rmSync(lockFile(port), { force: true }); // its owner died without cleaning up
    }
  }
  return false;
}

/**
 * A loopback port reserved for this process until it exits: free now (TCP, and UDP too with
 * `udp`), outside every range the kernel or mediasoup hand out by themselves, and given to no
 * other caller on this machine meanwhile.
 */
export async function reservePort(options: { udp?: boolean } = {}): Promise<number> {
  const { min, max } = portRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = min + Math.floor(Math.random() * (max - min + 1));
    if (mine.has(port) || !lock(port)) continue;
    if ((await isPortFree(port)) && (!options.udp || (await isUdpPortFree(port)))) return port;
    // Busy with something that is not ours: keep the lock (nobody else should try it either).
  }
  throw new Error(`no free port found in ${min}-${max}`);
}
