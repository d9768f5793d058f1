// Child processes that must not outlive us. Each runs in its own process group (so a
// terminal's Ctrl-C reaches only us and we decide the order). stop() asks the process
// itself to finish (SIGTERM), and once it has exited, or after a grace period, kills
// whatever is left in its group (workerd under wrangler, mediasoup workers under the
// media node). Our own exit kills every group that is still there.
import { type ChildProcess, spawn } from "node:child_process";

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (its exit code, or null when a signal ended it). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const GRACE_MS = 5000;
const running = new Set<Service>();

function signal(child: ChildProcess, sig: NodeJS.Signals, wholeGroup: boolean): void {
  if (child.pid === undefined) return;
  try {
    process.kill(wholeGroup ? -child.pid : child.pid, sig);
  } catch {
    // already gone
  }
}

process.on("exit", () => {
  for (const service of running) signal(service.child, "SIGKILL", true);
});

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each line the process prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Inherit our stdout/stderr instead of reading lines (e.g. a build's own output). */
  inheritOutput?: boolean;
}

export function startService(name: string, command: string, args: string[], options: StartOptions = {}): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", options.inheritOutput ? "inherit" : "pipe", options.inheritOutput ? "inherit" : "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => resolve(code));
    child.once("error", (error) => {
      options.onLine?.(`could not start ${command}: ${error.message}`);
      resolve(127);
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) options.onLine?.(line);
    });
  }
  let stopping: Promise<void> | undefined;
  const service: Service = {
    name,
    child,
    exited,
    stop() {
      stopping ??= (async () => {
        signal(child, "SIGTERM", false);
        const timer = setTimeout(() => signal(child, "SIGKILL", true), GRACE_MS);
        await exited;
        clearTimeout(timer);
        signal(child, "SIGKILL", true); // anything it left behind in its group
        running.delete(service);
      })();
      return stopping;
    },
  };
  running.add(service);
  return service;
}

/** Stops every service, most recently started first (the edge before the media node it calls). */
export async function stopAll(): Promise<void> {
  for (const service of [...running].reverse()) await service.stop();
}
