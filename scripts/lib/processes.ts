// Child processes that must not outlive us: the one supervisor of `npm start`, the test
// harnesses and the benchmarks (tests/support/processes.ts builds on it).
//
// Each child runs in its own process group (so a terminal's Ctrl-C reaches only us and we decide
// the order). stop() asks the process itself to finish (SIGTERM), and once it has exited, or after
// a grace period, kills whatever is left in its group (workerd under wrangler, mediasoup workers
// under the media node); kill() is kill -9 of the whole group at once. Our own exit kills every
// group that is still there. The last lines each child printed are kept for error messages.
import { type ChildProcess, spawn } from "node:child_process";

export interface Service {
  readonly name: string;
  readonly process: ChildProcess;
  /** Resolves once the process is gone: its exit code, or the name of the signal that ended it. */
  readonly exited: Promise<number | string>;
  /** Resolves after it exited and whatever it left in its group was SIGKILLed (nothing of it runs). */
  readonly gone: Promise<void>;
  /** Its last output lines (stdout and stderr), for error messages. */
  tail(): string;
  /** SIGTERM to the process, then SIGKILL to its whole group (after it exited, or after a grace period). */
  stop(): Promise<void>;
  /** SIGKILL to its whole group at once (a crash, as a lost machine would look). */
  kill(): Promise<void>;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each line the process prints (stdout and stderr). */
  onLine?: (line: string) => void;
  /** Inherit our stdout/stderr instead of reading lines (e.g. a build's own output). */
  inheritOutput?: boolean;
  /** Called when the process exits without stop() or kill() having been asked for. */
  onUnexpectedExit?: (service: Service, code: number | string) => void;
}

const GRACE_MS = 5000;
const TAIL_LINES = 50;
const running = new Set<Service>();
/** The most recent services, running or not, for reports after a failure. */
const recent: Service[] = [];
const RECENT_KEPT = 20;

function signal(child: ChildProcess, sig: NodeJS.Signals, wholeGroup: boolean): void {
  if (child.pid === undefined) return;
  try {
    process.kill(wholeGroup ? -child.pid : child.pid, sig);
  } catch {
    // already gone
  }
}

process.on("exit", () => {
  for (const service of running) signal(service.process, "SIGKILL", true);
});

export function startService(name: string, command: string, args: string[], options: StartOptions = {}): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", options.inheritOutput ? "inherit" : "pipe", options.inheritOutput ? "inherit" : "pipe"],
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    if (line.trim() === "") return;
    lines.push(line);
    if (lines.length > TAIL_LINES) lines.shift();
    options.onLine?.(line);
  };
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, sig) => resolve(code ?? sig ?? "unknown"));
    child.once("error", (error) => {
      keep(`could not start ${command}: ${error.message}`);
      resolve(127);
    });
  });
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const parts = buffered.split("\n");
      buffered = parts.pop() ?? "";
      for (const line of parts) keep(line);
    });
    stream?.on("end", () => keep(buffered));
  }
  // Nothing it started may outlive it, however it ended.
  const gone = exited.then(() => signal(child, "SIGKILL", true));
  let stopping: Promise<void> | undefined;
  const service: Service = {
    name,
    process: child,
    exited,
    gone,
    tail: () => lines.join("\n"),
    stop() {
      stopping ??= (async () => {
        signal(child, "SIGTERM", false);
        const timer = setTimeout(() => signal(child, "SIGKILL", true), GRACE_MS);
        await gone;
        clearTimeout(timer);
      })();
      return stopping;
    },
    kill() {
      stopping ??= (async () => {
        signal(child, "SIGKILL", true);
        await gone;
      })();
      return stopping;
    },
  };
  running.add(service);
  recent.push(service);
  if (recent.length > RECENT_KEPT) recent.shift();
  void exited.then((code) => {
    running.delete(service);
    if (stopping === undefined) options.onUnexpectedExit?.(service, code);
  });
  return service;
}

/** The services started by this process that have not exited yet. */
export function runningServices(): Service[] {
  return [...running];
}

/** The last services started by this process (up to 20), running or not, oldest first. */
export function recentServices(): Service[] {
  return [...recent];
}

/** Stops every service, most recently started first (the edge before the media node it calls). */
export async function stopAll(): Promise<void> {
  for (const service of [...running].reverse()) await service.stop();
}
