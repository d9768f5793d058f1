// How many cases each property-based test generates: a fixed default so `npm test` is quick and
// repeatable, HUDDLE_FUZZ_RUNS for a longer hunt (`HUDDLE_FUZZ_RUNS=10000 npm run test:unit`).
// fast-check prints the seed and the shrunk counterexample of a failure; replay it with
// HUDDLE_FUZZ_SEED=<seed> (and HUDDLE_FUZZ_PATH=<path> to go straight to the shrunk case).
import type { Parameters } from "fast-check";

export function fuzzParameters<T>(defaultRuns: number): Parameters<T> {
  const runs = Number(process.env.HUDDLE_FUZZ_RUNS ?? defaultRuns);
  const seed = process.env.HUDDLE_FUZZ_SEED;
  const path = process.env.HUDDLE_FUZZ_PATH;
  return {
    numRuns: runs,
    ...(seed === undefined ? {} : { seed: Number(seed) }),
    ...(path === undefined ? {} : { path }),
  };
}
