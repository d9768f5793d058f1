// The test harnesses' child processes (wrangler dev, media nodes, vitest under a runner), on the
// one supervisor of scripts/lib/processes.ts: own process group, stopped with everything it
// spawned, SIGKILLed if the test process exits first, its last 50 output lines kept. A child that
// exits on its own prints those lines at once; `reportChildren()` prints those of the last children
// started, running or stopped (the vitest setup file tests/support/report-failures.ts calls it when
// a test fails), so a failure can be diagnosed from the CI log alone.
import { recentServices, runningServices, type Service, startService } from "../../scripts/lib/processes.ts";
import { REPO_ROOT } from "./paths.ts";

export type Child = Service;

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Print every line as `[name] line` (HUDDLE_TEST_VERBOSE=1 turns it on for every child). */
  echo?: boolean;
  /** Called with each line it prints. */
  onLine?: (line: string) => void;
  /** It is meant to exit by itself (a build, vitest under a runner): no report when it does. */
  runsToCompletion?: boolean;
}

export const VERBOSE = process.env.HUDDLE_TEST_VERBOSE === "1" || process.env.HUDDLE_E2E_VERBOSE === "1";

function indent(text: string): string {
  return text === "" ? "  (no output)" : text.replace(/^/gm, "  | ");
}

export function startChild(name: string, command: string, args: string[], options: ChildOptions = {}): Child {
  const echo = options.echo ?? VERBOSE;
  return startService(name, command, args, {
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env ?? process.env,
    onLine: (line: string) => {
      if (echo) console.log(`[${name}] ${line}`);
      options.onLine?.(line);
    },
    ...(options.runsToCompletion
      ? {}
      : {
          onUnexpectedExit: (child: Service, code: number | string) =>
            console.error(`[${name}] exited unexpectedly (${code}); its last lines:\n${indent(child.tail())}`),
        }),
  });
}

/** Prints the last output lines of the children this process started lately (after a failure). */
export function reportChildren(why: string): void {
  const running = new Set(runningServices());
  for (const child of recentServices()) {
    const state = running.has(child) ? "running" : "exited";
    console.error(`[${child.name}] (${why}; ${state}) its last lines:\n${indent(child.tail())}`);
  }
}

/** Stops every child started by this process, all at once (pass or fail, on signals too). */
export async function stopAllChildren(): Promise<void> {
  await Promise.all(runningServices().map((child) => child.stop()));
}
