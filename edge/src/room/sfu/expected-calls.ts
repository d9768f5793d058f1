/** The node calls a room can see coming: members told of new producers consume them, then resume. */
export type ExpectedKind = "consume" | "resume";

interface Group {
  kind: ExpectedKind;
  producerId: string;
  /** Members the room still expects this call from. */
  waiting: Set<string>;
  /** Members whose call is held (they go to the resume group this one opens). */
  arrived: Set<string>;
  released: Promise<void>;
  release: () => void;
  timer: ReturnType<typeof setTimeout>;
}

export interface ExpectedCallsOptions {
  /** The longest a call is held for the members that have not called yet (ms). */
  windowMs: number;
  /** A group was released (complete, or its window ran out); `arrived` are the members that called. */
  released?: (kind: ExpectedKind, producerId: string, arrived: ReadonlySet<string>) => void;
}

/**
 * When the room tells M members about a new producer, M `consume` calls of it (then M resumes of
 * their consumers) follow within moments; sent as they come, each costs the node a request of
 * its own, and a join costs requests in proportion to the room's size. So the room says what it
 * expects (`expect`: this producer, from these members), and a call from an expected member that
 * names the producer is held (`hold` gives the promise to wait for) until every expected member
 * has called or `windowMs` has passed: then all of them go to the node together, as one batch
 * (NodeCallBatcher takes calls that became ready together into one request).
 *
 * Only calls the room announced are held, and never longer than the window; a member that never
 * calls (an original-protocol client that ignores `new-producer`) delays the others by the window
 * at most. A released consume group opens the resume group of the same producer (`released`).
 */
export class ExpectedCalls {
  readonly #windowMs: number;
  readonly #released: ExpectedCallsOptions["released"];
  /** Open groups by kind and producer. */
  readonly #groups = new Map<string, Group>();

  constructor(options: ExpectedCallsOptions) {
    this.#windowMs = options.windowMs;
    this.#released = options.released;
  }

  /** The room expects `kind` of `producerId` from each of `sids` (an empty list expects nothing). */
  expect(kind: ExpectedKind, producerId: string, sids: Iterable<string>, windowMs = this.#windowMs): void {
    const key = `${kind}:${producerId}`;
    const open = this.#groups.get(key);
    if (open !== undefined) {
      for (const sid of sids) if (!open.arrived.has(sid)) open.waiting.add(sid);
      return;
    }
    const waiting = new Set(sids);
    if (waiting.size === 0) return;
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const group: Group = {
      kind,
      producerId,
      waiting,
      arrived: new Set(),
      released,
      release,
      timer: setTimeout(() => this.#release(key), windowMs),
    };
    this.#groups.set(key, group);
  }

  /**
   * A call of `kind` from `sid` naming `producerIds` (a `consume-many` names several; a resume,
   * the producers of its consumers): what to wait for before it goes (undefined: go now). It
   * answers each open group of those producers that expects it, and goes with the first of them
   * to be released.
   */
  hold(kind: ExpectedKind, sid: string, producerIds: readonly string[]): Promise<void> | undefined {
    const mine: [string, Group][] = [];
    for (const producerId of new Set(producerIds)) {
      const key = `${kind}:${producerId}`;
      const group = this.#groups.get(key);
      if (group?.waiting.has(sid)) mine.push([key, group]);
    }
    if (mine.length === 0) return undefined;
    for (const [, group] of mine) {
      group.waiting.delete(sid);
      group.arrived.add(sid);
    }
    const released = Promise.race(mine.map(([, group]) => group.released));
    for (const [key, group] of mine) if (group.waiting.size === 0) this.#release(key);
    return released;
  }

  /** Whether some open group of `kind` still waits for `sid` (cheap: no producer named). */
  waitsFor(kind: ExpectedKind, sid: string): boolean {
    for (const group of this.#groups.values()) if (group.kind === kind && group.waiting.has(sid)) return true;
    return false;
  }

  /** `sid` left: nobody waits for it any more. */
  forget(sid: string): void {
    for (const [key, group] of [...this.#groups]) {
      // A call it made goes when its group is released; the resume group will not wait for it.
      group.arrived.delete(sid);
      if (group.waiting.delete(sid) && group.waiting.size === 0) this.#release(key);
    }
  }

  /** Releases every held call and expects nothing more (the room's media was reset or closed). */
  clear(): void {
    for (const group of this.#groups.values()) {
      clearTimeout(group.timer);
      group.release();
    }
    this.#groups.clear();
  }

  /** Calls held now (for tests). */
  get held(): number {
    let n = 0;
    for (const group of this.#groups.values()) n += group.arrived.size;
    return n;
  }

  #release(key: string): void {
    const group = this.#groups.get(key);
    if (group === undefined) return;
    this.#groups.delete(key);
    clearTimeout(group.timer);
    group.release();
    if (group.arrived.size > 0) this.#released?.(group.kind, group.producerId, group.arrived);
  }
}
