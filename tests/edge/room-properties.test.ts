// Property: the real Room Durable Object stays consistent under any interleaving of joins, leaves,
// take-overs, chat, relays, SFU calls, garbage and abrupt socket drops from several clients.
// Every action is sent without waiting for its answer, so the room sees them interleaved.
// On failure fast-check prints the seed and the shrunk action list: replay with
// HUDDLE_FUZZ_SEED (and HUDDLE_FUZZ_PATH); HUDDLE_FUZZ_RUNS=10000 for a long hunt.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { ServerMessage } from "@huddle/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readAttachmentChecked } from "../../edge/src/room/attachment.ts";
import { usernameKey } from "../../edge/src/room/username-key.ts";
import { roomStub, TestClient, uniqueRoom, untilSockets } from "./client.ts";
import { settle, viewSinceLastJoined } from "./property-support.ts";

const SLOTS = 4;
/** Names the clients pick from: two pairs of look-alikes, so collisions are frequent. */
const NAMES = ["alice", "Alice", "bob", "b\u043eb", "carol"] as const;

type Action =
  | { kind: "connect"; slot: number }
  | { kind: "join"; slot: number; name: number; resume: boolean }
  | { kind: "leave"; slot: number; asOther: boolean }
  | { kind: "chat"; slot: number }
  | { kind: "relay"; slot: number; target: number }
  | { kind: "media-state"; slot: number }
  | { kind: "sfu"; slot: number }
  | { kind: "garbage"; slot: number; frame: string }
  | { kind: "drop"; slot: number };

const slot = fc.nat({ max: SLOTS - 1 });
const name = fc.nat({ max: NAMES.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("connect" as const), slot }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("join" as const), slot, name, resume: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), slot, asOther: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("chat" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("relay" as const), slot, target: name }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("media-state" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sfu" as const), slot }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("garbage" as const),
      slot,
      frame: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.jsonValue().map((v) => JSON.stringify(v)),
      ),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), slot }) },
);

interface Seat {
  client: TestClient;
  /** The name this socket asked for last; the one it holds if the room said `joined`. */
  asked: string | undefined;
  chats: number;
  /** This side closed it (the close event may still be on its way). */
  dropped: boolean;
}

const gone = (seat: Seat) => seat.dropped || seat.client.closed;

/** Runs the actions against a fresh room, then checks every invariant. */
async function runScenario(actions: Action[]): Promise<void> {
  const roomId = uniqueRoom("prop");
  const seats: (Seat | undefined)[] = new Array(SLOTS).fill(undefined);
  const everyone: Seat[] = [];
  /** The latest resume secret handed out per name key. */
  const secrets = new Map<string, string>();
  const remember = (seat: Seat) => {
    for (const message of seat.client.inbox) {
      if (message.type === "joined" && message.data.resume !== undefined && seat.asked !== undefined) {
        secrets.set(usernameKey(seat.asked), message.data.resume);
      }
    }
  };

  for (const step of actions) {
    for (const seat of everyone) remember(seat);
    const seat = seats[step.slot];
    if (step.kind === "connect") {
      if (seat !== undefined && !gone(seat)) continue;
      const fresh: Seat = { client: await TestClient.connect(roomId), asked: undefined, chats: 0, dropped: false };
      seats[step.slot] = fresh;
      everyone.push(fresh);
      continue;
    }
    if (seat === undefined || gone(seat)) continue;
    const { client } = seat;
    switch (step.kind) {
      case "join": {
        const username = NAMES[step.name] as string;
        const resume = step.resume ? secrets.get(usernameKey(username)) : undefined;
        seat.asked = username;
        client.send({ type: "join-room", data: { roomId, username, ...(resume ? { resume } : {}) } });
        break;
      }
      case "leave":
        client.send({ type: "leave-room", data: { roomId, username: step.asOther ? "mallory" : (seat.asked ?? "x") } });
        break;
      case "chat":
        client.send({
          type: "chat-message",
          data: {
            from: "mallory",
            text: `${everyone.indexOf(seat)}:${seat.chats++}`,
            timestamp: new Date().toISOString(),
          },
        });
        break;
      case "relay":
        client.send({
          type: "webrtc-offer",
          data: { target: NAMES[step.target], payload: { type: "offer", sdp: "v=0" } },
        });
        break;
      case "media-state":
        client.send({ type: "media-state", data: { microphone: true, camera: false, screen: false } });
        break;
      case "sfu":
        client.send({ type: "create-transport", data: { direction: "send" } });
        break;
      case "garbage":
        client.sendRaw(step.frame);
        break;
      case "drop":
        seat.dropped = true;
        void client.close(4000);
        break;
    }
  }

  // Settle: every close is handled, and every open socket has had everything before a marker answered
  // (a socket the room closes meanwhile, e.g. replaced by a take-over, counts as settled).
  await Promise.all(everyone.filter((seat) => seat.dropped).map((seat) => seat.client.close(4000)));
  for (const seat of everyone) if (!gone(seat)) await settle(seat.client);
  await untilSockets(roomId, everyone.filter((seat) => !gone(seat)).length);
  for (const seat of everyone) if (!gone(seat)) await settle(seat.client);

  // The truth: the joined sockets, as their attachments say (each membership has its own resume secret),
  // and the members whose socket dropped, kept for their reconnect grace (still members to everyone).
  const members = await runInDurableObject(roomStub(roomId), (_room, state) => {
    const live = state
      .getWebSockets()
      .map((ws) => readAttachmentChecked(ws))
      .flatMap((a) =>
        a?.username === undefined ? [] : [{ username: a.username, resume: a.resume ?? "", away: false }],
      );
    const sql = state.storage.sql;
    const hasTable = sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'away_members'").toArray().length > 0;
    const away = hasTable
      ? sql
          .exec<{ attachment: string }>("SELECT attachment FROM away_members")
          .toArray()
          .map((row) => JSON.parse(row.attachment) as { username: string; resume?: string })
          .map((a) => ({ username: a.username, resume: a.resume ?? "", away: true }))
      : [];
    return [...live, ...away];
  });
  const memberNames = members.map((m) => m.username).sort();
  // One socket per (normalized) username.
  expect(new Set(members.map((m) => usernameKey(m.username))).size, JSON.stringify(members)).toBe(members.length);

  const holders = new Map<string, number>();
  for (const [index, seat] of everyone.entries()) {
    const { inbox, malformed } = seat.client;
    const where = `client ${index}; inbox:\n${inbox.map((m) => JSON.stringify(m)).join("\n")}`;
    expect(malformed, where).toEqual([]);
    // Nobody gets `internal` for their own input.
    expect(
      inbox.filter((m) => m.type === "error" && m.data.code === "internal"),
      where,
    ).toEqual([]);
    // `from` is always the sender: a chat comes from a name its sending socket was joined as.
    for (const m of inbox) {
      if (m.type !== "chat-message") continue;
      const sender = everyone[Number(m.data.text.split(":")[0])];
      expect(
        sender && joinedNames(sender.client.inbox).has(m.data.from),
        `${m.data.text} from ${m.data.from}: ${where}`,
      ).toBe(true);
    }
    const view = viewSinceLastJoined(inbox, where);
    if (view === undefined) continue;
    const member = members.find((m) => m.resume === view.resume);
    if (member === undefined) continue;
    holders.set(view.resume, (holders.get(view.resume) ?? 0) + 1);
    // A member away in its grace is held by the socket that dropped; it saw the room until then.
    if (member.away) {
      expect(gone(seat), `away member on an open socket: ${where}`).toBe(true);
      continue;
    }
    // A member's socket is open (no joined for a socket that closed) and sees exactly the members.
    expect(seat.client.closed, `closed socket still a member: ${where}`).toBe(false);
    expect([...view.users].sort(), where).toEqual(memberNames);
  }
  // Every membership is held by exactly one client that was told `joined`.
  for (const member of members) expect(holders.get(member.resume), JSON.stringify(member)).toBe(1);
}

/** The names a socket was joined as: `joined.you` (a resumed membership keeps its place in `users`). */
function joinedNames(inbox: ServerMessage[]): Set<string> {
  const names = new Set<string>();
  for (const m of inbox) if (m.type === "joined" && m.data.you !== undefined) names.add(m.data.you.user);
  return names;
}

describe("the Room under random interleavings (fast-check)", () => {
  it("keeps every invariant: views equal the members, user-left once, from = sender, no internal", {
    timeout: 600_000,
  }, async () => {
    const { HUDDLE_FUZZ_RUNS: runs, HUDDLE_FUZZ_SEED: seed, HUDDLE_FUZZ_PATH: path } = env;
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40 }), runScenario), {
      numRuns: runs === "" ? 60 : Number(runs),
      ...(seed === "" ? {} : { seed: Number(seed) }),
      ...(path === "" ? {} : { path }),
    });
  });
});
