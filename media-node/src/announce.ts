import { type AnnounceRequest, registryPaths, signedFetch } from "@huddle/protocol";
import type { Logger } from "./log.ts";

export type AnnouncerOptions = {
  edgeUrl: string;
  secret: string;
  intervalMs: number;
  /** The body of the next announcement. */
  snapshot: () => Promise<AnnounceRequest>;
  log: Logger;
};

/**
 * Tells the edge, every `intervalMs`, that this node exists, where it is and
 * how loaded it is: a signed POST to {edgeUrl}/v1/media-nodes/announce.
 * Failures are logged (once per outage) and retried on the next tick.
 */
export class Announcer {
  readonly #options: AnnouncerOptions;
  readonly #url: string;
  #timer: NodeJS.Timeout | undefined;
  #failing = false;
  #inFlight: Promise<void> | undefined;

  constructor(options: AnnouncerOptions) {
    this.#options = options;
    this.#url = new URL(registryPaths.announce, options.edgeUrl).toString();
  }

  start(): void {
    if (this.#timer !== undefined) return;
    this.#tick();
    this.#timer = setInterval(() => this.#tick(), this.#options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and sends one last announcement (e.g. `draining: true`), waiting at most `timeoutMs`. */
  async stop(final?: AnnounceRequest, timeoutMs = 2000): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#inFlight;
    if (final !== undefined) await this.send(final, timeoutMs);
  }

  /**
   * Announces the current state at once (e.g. right after draining), after any announcement already in
   * flight, so the edge's last word is the newest state. Resolves false when the edge could not be told.
   */
  async announceNow(timeoutMs = 2000): Promise<boolean> {
    await this.#inFlight;
    let body: AnnounceRequest;
    try {
      body = await this.#options.snapshot();
    } catch (error) {
      this.#options.log.error("announce snapshot failed", { error });
      return false;
    }
    return this.send(body, timeoutMs);
  }

  async send(body: AnnounceRequest, timeoutMs = 5000): Promise<boolean> {
    const { log, secret } = this.#options;
    try {
      const res = await signedFetch(secret, this.#url, {
        method: "POST",
        json: body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`edge answered ${res.status}`);
      if (this.#failing) log.info("announce to the edge works again", { url: this.#url });
      this.#failing = false;
      return true;
    } catch (error) {
      if (!this.#failing) log.warn("announce to the edge failed", { url: this.#url, error });
      this.#failing = true;
      return false;
    }
  }

  #tick(): void {
    if (this.#inFlight !== undefined) return;
    this.#inFlight = this.#options
      .snapshot()
      .then((body) => this.send(body))
      .then(
        () => undefined,
        (error: unknown) => this.#options.log.error("announce snapshot failed", { error }),
      )
      .finally(() => {
        this.#inFlight = undefined;
      });
  }
}
