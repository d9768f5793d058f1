import { spawn, spawnSync } from "node:child_process";

const MARKER = "HUDDLE_NETNS";

/** True in the process that `runInLoopbackNamespace` started. */
export function insideNamespace(): boolean {
  return process.env[MARKER] === "1";
}

function namespacesAvailable(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = spawnSync("unshare", ["--net", "--pid", "--fork", "--mount-proc", "sh", "-c", "ip link set lo up"], {
    stdio: "ignore",
  });
  return probe.status === 0;
}

/**
 * Re-runs this script inside a private network namespace with only loopback (no packet can leave
 * 127.0.0.0/8) and a private PID namespace: when the script exits, the kernel ends every process
 * it started, so nothing outlives the run. Returns the exit code, or null when namespaces are not
 * available (not root, no unshare); the caller then runs directly and says so.
 */
export async function runInLoopbackNamespace(script: string, args: string[]): Promise<number | null> {
  if (!namespacesAvailable()) return null;
  const child = spawn(
    "unshare",
    [
      "--net",
      "--pid",
      "--fork",
      "--mount-proc",
      "--kill-child",
      "sh",
      "-c",
      'ip link set lo up && exec "$0" "$@"',
      process.execPath,
      script,
      ...args,
    ],
    { stdio: "inherit", env: { ...process.env, [MARKER]: "1" } },
  );
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? (signal === null ? 1 : 128)));
  });
}
