import type { IceParameters } from "@huddle/protocol";
import type { Transport } from "mediasoup-client/types";
import { type BackoffOptions, backoffDelay } from "../signaling/backoff.ts";
import { SignalingError } from "../signaling/errors.ts";

/** A transport `disconnected` this long (a blip usually heals by itself first) gets its ICE restarted. */
export const ICE_DISCONNECTED_GRACE_MS = 2_000;
/** Between restart attempts while the transport stays down: 1 s, 2 s, 4 s, ... up to 8 s (with jitter). */
export const ICE_RESTART_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 8_000 };

export interface IceRestartHost {
  /** Asks the edge for new ICE parameters (`restart-ice` -> `ice-restarted`). */
  restartIce(transportId: string): Promise<IceParameters>;
  /** Whether a request can go out now (the signaling socket is joined). */
  canSignal(): boolean;
  /** The media node already closed this transport (`transport-closed`): build a new one in its place. */
  onGone(transport: Transport): void;
}

/**
 * Restarts ICE on one mediasoup-client transport while its connection is down: `failed` at
 * once, `disconnected` after ICE_DISCONNECTED_GRACE_MS; again with backoff while it stays
 * down, until it is `connected` (or closed). Attempts wait while signaling is down; the
 * owner calls `kick()` when it is back (a resumed `joined`). When the edge answers that the
 * node closed the transport, `onGone` rebuilds it and this restarter ends.
 */
export class IceRestarter {
  readonly #transport: Transport;
  readonly #host: IceRestartHost;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #attempt = 0;
  #running = false;
  #closed = false;
  readonly #onState = (state: RTCPeerConnectionState) => this.#stateChanged(state);

  constructor(transport: Transport, host: IceRestartHost) {
    this.#transport = transport;
    this.#host = host;
    transport.on("connectionstatechange", this.#onState);
  }

  /** Tries now if the transport is down (signaling just came back). */
  kick(): void {
    if (this.#down()) this.#schedule(0);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#cancel();
    this.#transport.off("connectionstatechange", this.#onState);
  }

  #stateChanged(state: RTCPeerConnectionState): void {
    if (this.#closed) return;
    if (state === "connected") {
      this.#attempt = 0;
      this.#cancel();
    } else if (state === "failed") this.#schedule(0);
    else if (state === "disconnected") this.#schedule(ICE_DISCONNECTED_GRACE_MS, false);
    else if (state === "closed") this.close();
  }

  #down(): boolean {
    const state = this.#transport.connectionState;
    return !this.#closed && !this.#transport.closed && (state === "disconnected" || state === "failed");
  }

  /** Sets the next attempt `inMs` from now; `replace` false keeps one already due sooner. */
  #schedule(inMs: number, replace = true): void {
    if (this.#closed || this.#running) return;
    if (this.#timer !== null) {
      if (!replace) return;
      clearTimeout(this.#timer);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.#try();
    }, inMs);
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #try(): Promise<void> {
    if (!this.#down()) return;
    // Signaling is down too: the resumed `joined` kicks us (no request would get through).
    if (!this.#host.canSignal()) return this.#schedule(backoffDelay(this.#attempt++, ICE_RESTART_BACKOFF));
    this.#running = true;
    try {
      const iceParameters = await this.#host.restartIce(this.#transport.id);
      if (this.#closed || this.#transport.closed) return;
      await this.#transport.restartIce({ iceParameters });
    } catch (error) {
      if (error instanceof SignalingError && (error.code === "transport-closed" || error.code === "not-found")) {
        this.close();
        this.#host.onGone(this.#transport);
        return;
      }
      console.warn("huddle: ICE restart failed, trying again", error);
    } finally {
      this.#running = false;
    }
    if (this.#down()) this.#schedule(backoffDelay(this.#attempt++, ICE_RESTART_BACKOFF));
  }
}
