// Child processes that must not outlive us: each runs in its own process group
// and is killed (whole group) on stop(), on our exit and on SIGINT/SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";

export interface Service {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited (with its exit code, or null when killed). */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const running = new Set<Service>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

process.on("exit", () => {
  for (const service of running) killGroup(service.child, "SIGKILL");
});

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Called with each line the process prints (stdout and stderr). */
  onLine?: (line: string) => void;
}

export function startService(name: string, command: string, args: string[], options: StartOptions = {}): Service {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const onLine = options.onLine;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = "";
    stream?.setEncoding("utf8");
    stream?.on("data", (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      if (onLine) for (const line of lines) onLine(line);
    });
  }
  const service: Service = {
    name,
    child,
    exited,
    async stop() {
      killGroup(child, "SIGTERM");
      const timer = setTimeout(() => killGroup(child, "SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
      running.delete(service);
    },
  };
  running.add(service);
  exited.then(() => running.delete(service));
  return service;
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((s) => s.stop()));
}
