const POLL_MS = 300;
/** Audio level (0..1, as in WebRTC stats) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.03;
/** Keep highlighting a speaker this long after they fall silent, so the outline does not flicker. */
const HOLD_MS = 1200;

/**
 * Picks the active speaker from WebRTC audio levels (`audioLevel` of inbound-rtp for others,
 * of the microphone's media-source for us), polled a few times a second.
 */
export class SpeakerDetector {
  #read: () => Promise<Map<string, number>>;
  #onChange: (speaker: string | null) => void;
  #speaker: string | null = null;
  #lastHeard = 0;
  #timer: ReturnType<typeof setInterval>;
  #busy = false;

  constructor(read: () => Promise<Map<string, number>>, onChange: (speaker: string | null) => void) {
    this.#read = read;
    this.#onChange = onChange;
    this.#timer = setInterval(() => void this.#poll(), POLL_MS);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  async #poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const levels = await this.#read();
      let loudest: string | null = null;
      let loudestLevel = SPEAKING_LEVEL;
      for (const [user, level] of levels) {
        if (level > loudestLevel) {
          loudest = user;
          loudestLevel = level;
        }
      }
      const now = performance.now();
      if (loudest !== null) this.#lastHeard = now;
      const next = loudest ?? (now - this.#lastHeard < HOLD_MS ? this.#speaker : null);
      if (next !== this.#speaker) {
        this.#speaker = next;
        this.#onChange(next);
      }
    } catch {
      // Stats are best effort (a connection may be closing).
    } finally {
      this.#busy = false;
    }
  }
}
