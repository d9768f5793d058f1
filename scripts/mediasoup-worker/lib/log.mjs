// Output of the worker build: one prefix, and the error type whose message is shown alone.
export const TAG = "[mediasoup-worker]";

export const log = (...args) => console.log(TAG, ...args);
export const warn = (...args) => console.warn(TAG, ...args);

/** A failure with a sentence that says what to do (printed without a stack). */
export class BuildError extends Error {}

export function secs(t0) {
  const s = (Date.now() - t0) / 1000;
  return s < 120 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
