import { asMediaCallError, type MediaNodeClient } from "../../media/node-client.ts";
import type { ResetReason } from "./media-placement.ts";
import type { Placement } from "./media-store.ts";

/** Pause before the periodic probe retries once (a single failure may be a blip). */
const PROBE_RETRY_MS = 300;

/** What one probe of the room's node found. */
export type ProbeResult =
  /** The node serves the room; these producers are alive on it. */
  | { kind: "alive"; producerIds: string[] }
  /** The node or the room's router is gone: the room must move. */
  | { kind: "lost"; reason: ResetReason }
  /** The node answered with an error that says nothing about the room (logged); try again later. */
  | { kind: "unclear" };

/**
 * Asks the room's node for the room's state (`GET /v1/rooms/:roomId`), retrying once after an
 * unreachable answer. A 404 means the node does not know the room (it restarted): as good as a
 * lost router.
 */
export async function probeRoom(node: MediaNodeClient, placement: Placement): Promise<ProbeResult> {
  try {
    const state = await node.roomState(placement.roomId).catch(async (thrown: unknown) => {
      if (!asMediaCallError(thrown).nodeLost) throw thrown;
      await new Promise((resolve) => setTimeout(resolve, PROBE_RETRY_MS));
      return node.roomState(placement.roomId);
    });
    return { kind: "alive", producerIds: state.producers.map((p) => p.producerId) };
  } catch (thrown) {
    const error = asMediaCallError(thrown);
    if (error.nodeLost) return { kind: "lost", reason: "media-node-lost" };
    if (error.roomLost || error.status === 404) return { kind: "lost", reason: "room-lost" };
    console.warn(`media: probe of ${placement.url} failed: ${error.message}`);
    return { kind: "unclear" };
  }
}
