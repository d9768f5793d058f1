const POLL_MS = 300;
/** Audio level (0..1, as in WebRTC stats) above which someone counts as speaking. */
const SPEAKING_LEVEL = 0.03;
/** Keep highlighting a speaker this long after they fall silent, so the outline does not flicker. */
const HOLD_MS = 1200;

/**
 * Says who the active speaker is. In SFU calls the media node decides (its ActiveSpeakerObserver,
 * told as `active-speaker`: `serverSaid`), and the levels polled here only feed the level bars.
 * In peer-to-peer calls there is no server: it picks the speaker itself from WebRTC audio levels
 * (`audioLevel` of inbound-rtp for others, of the microphone's media-source for us), polled a
 * few times a second.
 */
export class SpeakerDetector {
  #read: () => Promise<Map<string, number>>;
  #onChange: (speaker: string | null) => void;
  #speaker: string | null = null;
  #lastHeard = 0;
  #timer: ReturnType<typeof setInterval>;
  #busy = false;
  /** The media node picks the speaker (SFU calls); the local levels only decide in mesh calls. */
  #serverDriven = false;

  constructor(read: () => Promise<Map<string, number>>, onChange: (speaker: string | null) => void) {
    this.#read = read;
    this.#onChange = onChange;
    this.#timer = setInterval(() => void this.#poll(), POLL_MS);
  }

  close(): void {
    clearInterval(this.#timer);
  }

  /** SFU calls: from now on only `serverSaid` picks the speaker (mesh: the local levels do). */
  setServerDriven(serverDriven: boolean): void {
    if (this.#serverDriven === serverDriven) return;
    this.#serverDriven = serverDriven;
    this.#change(null);
  }

  /** The media node's active speaker (`active-speaker`); ignored in mesh calls. */
  serverSaid(user: string): void {
    if (this.#serverDriven) this.#change(user);
  }

  #change(speaker: string | null): void {
    if (speaker === this.#speaker) return;
    this.#speaker = speaker;
    this.#onChange(speaker);
  }

  async #poll(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const levels = await this.#read();
      if (this.#serverDriven) return;
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
      this.#change(loudest ?? (now - this.#lastHeard < HOLD_MS ? this.#speaker : null));
    } catch {
      // Stats are best effort (a connection may be closing).
    } finally {
      this.#busy = false;
    }
  }
}
