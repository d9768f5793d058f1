import type { MediaNodeStatus } from "@huddle/protocol";

/**
 * How busy a node is, lower is better: rooms per worker (counting rooms placed
 * since its last announcement) plus its mean CPU as a fraction. A node with no
 * reported workers counts as one worker.
 */
export function pressure(node: Pick<MediaNodeStatus, "workers" | "load" | "pending">): number {
  return (node.load.rooms + node.pending) / Math.max(1, node.workers) + node.load.cpuPercent / 100;
}

/** The eligible node with the most headroom (ties: URL order), skipping `exclude`; undefined when none. */
export function pickNode(nodes: readonly MediaNodeStatus[], exclude: readonly string[] = []): string | undefined {
  let best: MediaNodeStatus | undefined;
  for (const node of nodes) {
    if (!node.eligible || exclude.includes(node.url)) continue;
    if (best === undefined) {
      best = node;
      continue;
    }
    const a = pressure(node);
    const b = pressure(best);
    if (a < b || (a === b && node.url < best.url)) best = node;
  }
  return best?.url;
}
