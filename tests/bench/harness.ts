// What every benchmark script shares: bounded steps, latency summaries, and a run that always
// stops its child processes (started through tests/support/processes.ts) and exits.
import { stopAllChildren } from "../support/processes.ts";

/** `promise`, or a rejection naming `what` after `ms`. */
export function withTimeout<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function percentile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? Number.NaN;
}

/** p50, p99 (nearest rank) and mean of latency samples. */
export function summary(samples: number[]): { p50: number; p99: number; mean: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    mean: samples.reduce((s, x) => s + x, 0) / samples.length,
  };
}

/**
 * Runs `main` within `deadlineMs`. Whatever happens (done, failed, deadline, Ctrl-C, SIGTERM),
 * every child process is stopped, then the process exits: 0 only when `main` resolved.
 */
export async function runBench(name: string, main: () => Promise<void>, deadlineMs = 10 * 60_000): Promise<never> {
  let stopping: Promise<void> | undefined;
  const exit = async (code: number): Promise<never> => {
    stopping ??= stopAllChildren();
    await stopping;
    process.exit(code);
  };
  for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void exit(130));
  process.on("uncaughtException", (error) => {
    console.error(`${name}: failed:`, error);
    void exit(1);
  });
  const deadline = setTimeout(() => {
    console.error(`${name}: gave up after ${deadlineMs / 1000} s`);
    void exit(1);
  }, deadlineMs);
  try {
    await main();
    clearTimeout(deadline);
    return await exit(0);
  } catch (error) {
    console.error(`${name}: failed:`, error);
    clearTimeout(deadline);
    return await exit(1);
  }
}
