/**
 * Runs async tasks one at a time, in the order they were queued. A failing task does not stop
 * the ones after it; its caller gets the rejection.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(() => task());
    this.#tail = result.catch(() => undefined);
    return result;
  }
}
