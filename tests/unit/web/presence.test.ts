import { describe, expect, it } from "vitest";
import { byHand, Hands } from "../../../web/src/call/hands.ts";
import { LEVEL_BARS, litBars } from "../../../web/src/ui/levels.ts";
import { type ActiveReaction, keepLatest } from "../../../web/src/ui/presence.ts";
import { type KeyLike, SHORTCUTS, shortcutOf } from "../../../web/src/ui/shortcuts.ts";

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 2, 10, 0, seconds)).toISOString();

describe("Hands", () => {
  it("orders hands by the edge's time of raising, not by arrival here", () => {
    const hands = new Hands();
    hands.raise({ user: "carol", raisedAt: at(30) });
    hands.raise({ user: "alice", raisedAt: at(10) });
    hands.raise({ user: "bob", raisedAt: at(20) });
    expect(hands.order()).toEqual(["alice", "bob", "carol"]);
    expect(hands.position("alice")).toBe(1);
    expect(hands.position("carol")).toBe(3);
    expect(hands.position("dave")).toBeNull();
  });

  it("lowering moves everyone behind up; a hand raised again goes to the back", () => {
    const hands = new Hands();
    hands.reset([
      { user: "alice", raisedAt: at(1) },
      { user: "bob", raisedAt: at(2) },
    ]);
    expect(hands.lower("alice")).toBe(true);
    expect(hands.lower("alice")).toBe(false);
    expect(hands.position("bob")).toBe(1);
    hands.raise({ user: "alice", raisedAt: at(3) });
    expect(hands.order()).toEqual(["bob", "alice"]);
  });

  it("the same hand told twice (a resume) changes nothing; equal times break by name", () => {
    const hands = new Hands();
    expect(hands.raise({ user: "bob", raisedAt: at(5) })).toBe(true);
    expect(hands.raise({ user: "bob", raisedAt: at(5) })).toBe(false);
    hands.raise({ user: "anna", raisedAt: at(5) });
    expect(hands.order()).toEqual(["anna", "bob"]);
  });

  it("reset replaces everything (a new joined)", () => {
    const hands = new Hands();
    hands.raise({ user: "gone", raisedAt: at(1) });
    hands.reset([{ user: "kept", raisedAt: at(2) }]);
    expect(hands.order()).toEqual(["kept"]);
  });
});

describe("byHand", () => {
  it("puts raised hands first in their order, everyone else after in the original order", () => {
    const people = [
      { name: "me", hand: null },
      { name: "b", hand: 2 },
      { name: "c", hand: null },
      { name: "d", hand: 1 },
    ];
    expect(byHand(people).map((p) => p.name)).toEqual(["d", "b", "me", "c"]);
  });
});

describe("litBars", () => {
  it("lights no bar for silence or nonsense, all bars for a loud voice, more for louder", () => {
    expect(litBars(0)).toBe(0);
    expect(litBars(Number.NaN)).toBe(0);
    expect(litBars(-1)).toBe(0);
    expect(litBars(0.001)).toBe(0); // -60 dBFS
    expect(litBars(0.01)).toBe(1); // -40 dBFS
    expect(litBars(0.05)).toBe(2); // -26 dBFS
    expect(litBars(0.5)).toBe(LEVEL_BARS);
    expect(litBars(7)).toBe(LEVEL_BARS);
    const levels = [0.002, 0.005, 0.02, 0.08, 0.3, 1];
    const bars = levels.map(litBars);
    expect(bars).toEqual([...bars].sort((a, b) => a - b));
  });
});

describe("keepLatest", () => {
  it("keeps only the newest of one sender's reactions, and everyone else's", () => {
    const list: ActiveReaction[] = [
      { id: 1, user: "a", reaction: "clap" },
      { id: 2, user: "b", reaction: "heart" },
      { id: 3, user: "a", reaction: "tada" },
      { id: 4, user: "a", reaction: "laugh" },
    ];
    expect(keepLatest(list, "a", 2).map((r) => r.id)).toEqual([2, 3, 4]);
    expect(keepLatest(list, "a", 0).map((r) => r.id)).toEqual([2]);
    expect(keepLatest(list, "nobody", 1)).toEqual(list);
  });
});

/** A stand-in for a DOM element: what `isTyping` asks of a key press's target. */
function element(matchesTyping: boolean, editable = false): EventTarget {
  return { closest: () => (matchesTyping ? {} : null), isContentEditable: editable } as unknown as EventTarget;
}

const press = (key: string, extra: Partial<KeyLike> = {}): KeyLike => ({
  key,
  ctrlKey: false,
  metaKey: false,
  altKey: false,
  shiftKey: false,
  target: element(false),
  ...extra,
});

describe("shortcutOf", () => {
  it("maps the letters, Ctrl or ⌘ with D and E, and ?", () => {
    expect(shortcutOf(press("m"))).toBe("mute");
    expect(shortcutOf(press("M", { shiftKey: false }))).toBe("mute");
    expect(shortcutOf(press("d", { ctrlKey: true }))).toBe("mute");
    expect(shortcutOf(press("d", { metaKey: true }))).toBe("mute");
    expect(shortcutOf(press("v"))).toBe("camera");
    expect(shortcutOf(press("e", { ctrlKey: true }))).toBe("camera");
    expect(shortcutOf(press("h"))).toBe("hand");
    expect(shortcutOf(press("c"))).toBe("chat");
    expect(shortcutOf(press("?", { shiftKey: true }))).toBe("help");
  });

  it("never fires while typing, for a held key, during composition, or with other modifiers", () => {
    expect(shortcutOf(press("m", { target: element(true) }))).toBeNull();
    expect(shortcutOf(press("d", { ctrlKey: true, target: element(true) }))).toBeNull();
    expect(shortcutOf(press("h", { target: element(false, true) }))).toBeNull();
    expect(shortcutOf(press("m", { repeat: true }))).toBeNull();
    expect(shortcutOf(press("m", { isComposing: true }))).toBeNull();
    expect(shortcutOf(press("m", { altKey: true }))).toBeNull();
    expect(shortcutOf(press("M", { shiftKey: true }))).toBeNull();
    expect(shortcutOf(press("m", { ctrlKey: true }))).toBeNull(); // Ctrl+M is not ours
    expect(shortcutOf(press("c", { ctrlKey: true }))).toBeNull(); // Ctrl+C copies
    expect(shortcutOf(press("d", { ctrlKey: true, shiftKey: true }))).toBeNull();
    expect(shortcutOf(press(" "))).toBeNull();
    expect(shortcutOf(press("Enter"))).toBeNull();
  });

  it("every action has a line in the help, and every plain key listed there works", () => {
    expect(new Set(SHORTCUTS.map((s) => s.action))).toEqual(new Set(["mute", "camera", "hand", "chat", "help"]));
    for (const shortcut of SHORTCUTS) {
      for (const key of shortcut.keys) {
        const event = key.startsWith("Ctrl+")
          ? press(key.slice(5).toLowerCase(), { ctrlKey: true })
          : press(key === "?" ? "?" : key.toLowerCase(), { shiftKey: key === "?" });
        expect(shortcutOf(event), key).toBe(shortcut.action);
      }
    }
  });
});
