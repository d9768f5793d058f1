import { type RecordingManifest, recordingFinishedPath, signedFetch } from "@huddle/protocol";
import type { Logger } from "../log.ts";

export type FinishedNoticeOptions = {
  /** MEDIA_NODE_EDGE_URL. */
  edgeUrl: string;
  secret: string;
  /** The URL this node announces (where its files are downloaded from); known once it listens. */
  nodeUrl: () => string | undefined;
  log: Logger;
};

/** Attempts before a notice is given up (logged): 1 s, 2 s, 4 s … between them, about 8 minutes in all. */
export const NOTICE_ATTEMPTS = 10;
const MAX_PAUSE_MS = 120_000;

/**
 * Tells the edge that a recording is finished (composed and, when configured, uploaded): a signed
 * POST {edge}/v1/media-nodes/recording-finished with the final manifest. The edge stores it for the
 * room and sends the `recording_finished` webhook once per recording (a repeat is harmless), so
 * every failure but a 4xx is retried. Pending retries end with `close()`.
 */
export class FinishedNotices {
  readonly #options: FinishedNoticeOptions;
  readonly #abort = new AbortController();

  constructor(options: FinishedNoticeOptions) {
    this.#options = options;
  }

  async send(manifest: RecordingManifest): Promise<boolean> {
    const { log } = this.#options;
    const url = new URL(recordingFinishedPath, this.#options.edgeUrl);
    for (let attempt = 1; attempt <= NOTICE_ATTEMPTS && !this.#abort.signal.aborted; attempt++) {
      let failure: string;
      try {
        const nodeUrl = this.#options.nodeUrl();
        if (nodeUrl === undefined) throw new Error("the node is not listening yet");
        const response = await signedFetch(this.#options.secret, url, {
          method: "POST",
          json: { nodeUrl, manifest },
          signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(10_000)]),
        });
        const text = await response.text();
        if (response.ok) return true;
        failure = `HTTP ${response.status} ${text.slice(0, 200)}`;
        if (response.status >= 400 && response.status < 500 && response.status !== 429) {
          log.error("the edge refused a recording-finished notice", { recordingId: manifest.recordingId, failure });
          return false;
        }
      } catch (error) {
        failure = error instanceof Error ? error.message : String(error);
      }
      log.warn("recording-finished notice failed", { recordingId: manifest.recordingId, attempt, failure });
      await pause(Math.min(MAX_PAUSE_MS, 1000 * 2 ** (attempt - 1)), this.#abort.signal);
    }
    return false;
  }

  close(): void {
    this.#abort.abort();
  }
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
