// `node scripts/start.ts` as a child of the test, with its output kept, and the processes
// it runs read from /proc (pid, parent, state, command line).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Service, startService } from "../../scripts/lib/processes.ts";
import { REPO_ROOT } from "../support/paths.ts";

export class StartProcess {
  readonly service: Service;
  /** Every line it printed (stdout and stderr), in order. */
  readonly lines: string[] = [];
  /** Exit code, or the name of the signal that ended it. */
  readonly exited: Promise<number | string>;
  private readonly listeners = new Set<() => void>();

  constructor(env: NodeJS.ProcessEnv) {
    // Its own process group, as a terminal would give it; the test signals only this pid.
    this.service = startService("npm start", process.execPath, [join(REPO_ROOT, "scripts", "start.ts")], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      onLine: (line) => {
        this.lines.push(line);
        if (process.env.HUDDLE_START_VERBOSE === "1") console.log(`[npm start] ${line}`);
        for (const listener of this.listeners) listener();
      },
    });
    this.exited = this.service.exited;
  }

  get pid(): number {
    const pid = this.service.process.pid;
    if (pid === undefined) throw new Error("start.ts did not start");
    return pid;
  }

  output(): string {
    return this.lines.join("\n");
  }

  /** The first capture group of `pattern` in a line printed so far or later; fails if the process exits first. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
      const done = (error: Error | undefined, value = "") => {
        clearTimeout(timer);
        this.listeners.delete(check);
        if (error) reject(error);
        else resolve(value);
      };
      const check = () => {
        for (const line of this.lines) {
          const match = pattern.exec(line);
          if (match) return done(undefined, match[1] ?? match[0]);
        }
      };
      const timer = setTimeout(
        () => done(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${this.output()}`)),
        timeoutMs,
      );
      this.listeners.add(check);
      void this.exited.then((code) =>
        done(new Error(`start.ts exited (${code}) before printing ${pattern}:\n${this.output()}`)),
      );
      check();
    });
  }

  /** After a failure: SIGTERM (start.ts's own clean stop), then SIGKILL for anything of it still there. */
  async stopForGood(): Promise<void> {
    const all = tree(this.pid);
    try {
      process.kill(this.pid, "SIGTERM");
    } catch {
      // gone already
    }
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    for (const p of survivors(all)) {
      try {
        process.kill(p.pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
    }
  }
}

export interface ProcessInfo {
  pid: number;
  ppid: number;
  /** R, S, D, Z (zombie: dead, waiting to be reaped), ... */
  state: string;
  command: string;
}

/** Every process /proc shows (in a private PID namespace: only the test's own). */
export function processes(): ProcessInfo[] {
  const list: ProcessInfo[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid ...; comm may contain spaces and parentheses.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const command = readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").join(" ").trim();
      list.push({
        pid: Number(entry),
        ppid: Number(fields[1]),
        state: fields[0] ?? "?",
        command: command || stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      });
    } catch {
      // exited while we looked
    }
  }
  return list;
}

/** `root` and all its descendants that are alive now. */
export function tree(root: number): ProcessInfo[] {
  const all = processes();
  const found = all.filter((p) => p.pid === root);
  for (let i = 0; i < found.length; i++) {
    const parent = found[i]?.pid;
    for (const p of all) if (p.ppid === parent) found.push(p);
  }
  return found;
}

/** Those of `seen` still running (same pid and command; a zombie is dead, only its exit status is left). */
export function survivors(seen: ProcessInfo[]): ProcessInfo[] {
  const now = new Map(processes().map((p) => [p.pid, p]));
  return seen.flatMap((before) => {
    const p = now.get(before.pid);
    return p && p.state !== "Z" && p.command === before.command ? [p] : [];
  });
}
