import type { RaisedHand } from "@huddle/protocol";

/**
 * The room's raised hands, by user, with the edge's time of raising (hands are shown in that
 * order: the first raised is first). Fed by `joined.hands`, `hand-raised`, `hand-lowered` and
 * `user-left`; the one owner of this state is the `Room`.
 */
export class Hands {
  #raisedAt = new Map<string, number>();

  /** Everyone's hands as `joined` lists them (replaces what was known). */
  reset(hands: readonly RaisedHand[]): void {
    this.#raisedAt = new Map(hands.map((hand) => [hand.user, Date.parse(hand.raisedAt)]));
  }

  /** Returns whether anything changed. */
  raise(hand: RaisedHand): boolean {
    const at = Date.parse(hand.raisedAt);
    if (this.#raisedAt.get(hand.user) === at) return false;
    this.#raisedAt.set(hand.user, at);
    return true;
  }

  /** Returns whether the hand was up. */
  lower(user: string): boolean {
    return this.#raisedAt.delete(user);
  }

  isRaised(user: string): boolean {
    return this.#raisedAt.has(user);
  }

  /** Users with a raised hand, the first raised first (ties by name, so every client agrees). */
  order(): string[] {
    return [...this.#raisedAt]
      .sort(([a, at], [b, bt]) => at - bt || (a < b ? -1 : a > b ? 1 : 0))
      .map(([user]) => user);
  }

  /** 1 for the first hand raised, 2 for the next...; null when `user`'s hand is down. */
  position(user: string): number | null {
    const index = this.order().indexOf(user);
    return index === -1 ? null : index + 1;
  }
}

/**
 * `items` with raised hands first, in the order raised (`hand`: the position, null when down),
 * everyone else after them in their original order.
 */
export function byHand<T extends { hand: number | null }>(items: readonly T[]): T[] {
  const raised = items.filter((item) => item.hand !== null).sort((a, b) => (a.hand ?? 0) - (b.hand ?? 0));
  return [...raised, ...items.filter((item) => item.hand === null)];
}
