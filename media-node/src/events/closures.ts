import type { NodeEvent } from "@huddle/protocol";
import type { EventLog } from "../events.ts";

/**
 * Pushes the feed's spontaneous closures (a transport the node closed on its own, and each
 * producer that went with it) to the edge as they happen, so the other participants learn of
 * them at once rather than at the room's next probe.
 */
export function forwardClosures(log: EventLog, emit: (event: NodeEvent) => void): () => void {
  return log.onEvent((event) => {
    if (event.type === "transport-closed") {
      const { roomId, peerId, transportId, reason } = event;
      emit({ type: "transport-closed", roomId, peerId, transportId, reason });
    } else if (event.type === "producer-closed") {
      const { roomId, peerId, producerId, reason } = event;
      emit({ type: "producer-closed", roomId, peerId, producerId, reason });
    }
  });
}
