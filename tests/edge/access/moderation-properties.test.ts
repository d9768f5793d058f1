// Property: with join tokens, grants and moderation, the real Room stays consistent under any
// interleaving of joins (as moderators, hidden bots or plain participants), leaves, drops, chat,
// and every moderation request (mute, remove, grant changes, lock, lobby, admit, deny, end),
// all sent without waiting for answers. Replay a failure with HUDDLE_FUZZ_SEED / HUDDLE_FUZZ_PATH.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { CLOSE_REMOVED } from "@huddle/protocol";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readAttachmentChecked } from "../../../edge/src/room/attachment.ts";
import { usernameKey } from "../../../edge/src/room/username-key.ts";
import { roomStub, TestClient, uniqueRoom, untilSockets } from "../client.ts";
import { settle, viewSinceLastJoined } from "../property-support.ts";
import { mint } from "./tokens.ts";

const SLOTS = 4;
const NAMES = ["alice", "bob", "carol", "dave"] as const;
type Role = "admin" | "member" | "hidden" | "viewer";
const ROLES: readonly Role[] = ["admin", "member", "hidden", "viewer"];

type Action =
  | { kind: "connect"; slot: number }
  | { kind: "join"; slot: number; name: number; role: number; reuse: boolean }
  | { kind: "leave"; slot: number }
  | { kind: "drop"; slot: number }
  | { kind: "chat"; slot: number }
  | { kind: "mute"; slot: number; target: number }
  | { kind: "remove"; slot: number; target: number }
  | { kind: "grant"; slot: number; target: number; admin: boolean; publish: boolean }
  | { kind: "room"; slot: number; locked: boolean | undefined; lobby: boolean | undefined }
  | { kind: "admit"; slot: number; target: number; deny: boolean }
  | { kind: "end"; slot: number };

const slot = fc.nat({ max: SLOTS - 1 });
const target = fc.nat({ max: NAMES.length - 1 });
const maybe = fc.option(fc.boolean(), { nil: undefined });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("connect" as const), slot }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("join" as const),
      slot,
      name: target,
      role: fc.nat({ max: ROLES.length - 1 }),
      reuse: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("chat" as const), slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("mute" as const), slot, target }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("remove" as const), slot, target }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("grant" as const),
      slot,
      target,
      admin: fc.boolean(),
      publish: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("room" as const), slot, locked: maybe, lobby: maybe }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("admit" as const), slot, target, deny: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("end" as const), slot }) },
);

interface Seat {
  client: TestClient;
  dropped: boolean;
  /** The tokens this socket joined (or asked to join) with. */
  tokens: string[];
}

const gone = (seat: Seat) => seat.dropped || seat.client.closed;

async function runScenario(actions: Action[]): Promise<void> {
  const roomId = uniqueRoom("modprop");
  const seats: (Seat | undefined)[] = new Array(SLOTS).fill(undefined);
  const everyone: Seat[] = [];
  /** The last token minted per name and role: re-used to check that removed tokens stay out. */
  const minted = new Map<string, string>();

  for (const step of actions) {
    const seat = seats[step.slot];
    if (step.kind === "connect") {
      if (seat !== undefined && !gone(seat)) continue;
      const fresh: Seat = { client: await TestClient.connect(roomId), dropped: false, tokens: [] };
      seats[step.slot] = fresh;
      everyone.push(fresh);
      continue;
    }
    if (seat === undefined || gone(seat)) continue;
    const { client } = seat;
    const send = (type: string, data: Record<string, unknown>) => client.send({ type, data });
    switch (step.kind) {
      case "join": {
        const username = NAMES[step.name] as string;
        const role = ROLES[step.role] as Role;
        const key = `${username}/${role}`;
        let token = step.reuse ? minted.get(key) : undefined;
        if (token === undefined) {
          token = await mint({
            room: roomId,
            user: username,
            grant: {
              roomAdmin: role === "admin",
              hidden: role === "hidden",
              canPublish: role !== "viewer",
            },
            jti: crypto.randomUUID(),
          });
          minted.set(key, token);
        }
        seat.tokens.push(token);
        send("join-room", { roomId, username, token });
        break;
      }
      case "leave":
        send("leave-room", { roomId, username: "alice" });
        break;
      case "drop":
        seat.dropped = true;
        void client.close(4000);
        break;
      case "chat":
        send("chat-message", { from: "x", text: "hi", timestamp: new Date().toISOString() });
        break;
      case "mute":
        send("mute-participant", { user: NAMES[step.target], source: "microphone" });
        break;
      case "remove":
        send("remove-participant", { user: NAMES[step.target] });
        break;
      case "grant":
        send("update-participant", {
          user: NAMES[step.target],
          permissions: { roomAdmin: step.admin, canPublish: step.publish },
        });
        break;
      case "room":
        send("update-room", {
          ...(step.locked === undefined ? {} : { locked: step.locked }),
          ...(step.lobby === undefined ? {} : { lobby: step.lobby }),
        });
        break;
      case "admit":
        send(step.deny ? "deny-participant" : "admit-participant", { user: NAMES[step.target] });
        break;
      case "end":
        send("end-room", {});
        break;
    }
  }

  await Promise.all(everyone.filter((seat) => seat.dropped).map((seat) => seat.client.close(4000)));
  for (const seat of everyone) if (!gone(seat)) await settle(seat.client);
  await untilSockets(roomId, everyone.filter((seat) => !gone(seat)).length);
  for (const seat of everyone) if (!gone(seat)) await settle(seat.client);

  // The sockets, and the members whose socket dropped, kept for their reconnect grace (still members).
  const truth = await runInDurableObject(roomStub(roomId), (_room, state) => {
    const live = state.getWebSockets().flatMap((ws) => {
      const a = readAttachmentChecked(ws);
      if (a === undefined) return [];
      return [
        {
          username: a.username,
          waiting: a.waiting?.username,
          resume: a.resume ?? "",
          hidden: a.permissions?.hidden === true,
          away: false,
        },
      ];
    });
    const sql = state.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'away_members'").toArray().length === 0) return live;
    const away = sql
      .exec<{ attachment: string }>("SELECT attachment FROM away_members")
      .toArray()
      .map(
        (row) =>
          JSON.parse(row.attachment) as { username: string; resume?: string; permissions?: { hidden?: boolean } },
      )
      .map((a) => ({
        username: a.username as string | undefined,
        waiting: undefined as string | undefined,
        resume: a.resume ?? "",
        hidden: a.permissions?.hidden === true,
        away: true,
      }));
    return [...live, ...away];
  });
  const members = truth.filter((t) => t.username !== undefined);
  const waiting = truth.filter((t) => t.waiting !== undefined);
  const where = (index: number) =>
    `client ${index}; truth ${JSON.stringify(truth)}; inbox:\n${everyone[index]?.client.inbox.map((m) => JSON.stringify(m)).join("\n")}`;
  // One holder per name, members and the lobby together.
  const names = [...members.map((m) => m.username), ...waiting.map((w) => w.waiting)].map((n) => usernameKey(n ?? ""));
  expect(new Set(names).size, JSON.stringify(truth)).toBe(names.length);
  // No socket is both a member and waiting.
  expect(truth.filter((t) => t.username !== undefined && t.waiting !== undefined)).toEqual([]);

  for (const [index, seat] of everyone.entries()) {
    const { inbox, malformed } = seat.client;
    expect(malformed, where(index)).toEqual([]);
    expect(
      inbox.filter((m) => m.type === "error" && m.data.code === "internal"),
      where(index),
    ).toEqual([]);
    // Removed: told, then closed with 4010; no message after the removal notice.
    const removal = inbox.findIndex((m) => m.type === "participant-removed" && m.requestId === undefined);
    if (removal !== -1 && seat.client.closed) {
      expect(seat.client.closeCode, where(index)).toBe(CLOSE_REMOVED);
    }
    const view = viewSinceLastJoined(inbox, where(index));
    if (view === undefined) continue;
    const self = members.find((m) => m.resume === view.resume);
    if (self === undefined) continue;
    // A member away in its grace is held by the socket that dropped.
    if (self.away) {
      expect(gone(seat), `away member on an open socket: ${where(index)}`).toBe(true);
      continue;
    }
    expect(seat.client.closed, `closed socket still a member: ${where(index)}`).toBe(false);
    // A member sees every member but hidden ones, and itself.
    const visible = members.filter((m) => !m.hidden || m === self).map((m) => m.username ?? "");
    expect([...view.users].sort(), where(index)).toEqual(visible.sort());
  }
  // A removed token never got back in: no `joined` answered a join with a token that was removed before it.
  // (Checked by the room's own bookkeeping: every member's token is not in removed_tokens.)
  const removedMembers = await runInDurableObject(roomStub(roomId), (_room, state) => {
    // A room nobody connected to never made its tables.
    const tables = state.storage.sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'removed_tokens'").toArray();
    if (tables.length === 0) return [];
    const removed = new Set(
      state.storage.sql
        .exec<{ token_id: string }>("SELECT token_id FROM removed_tokens")
        .toArray()
        .map((row) => row.token_id),
    );
    return state
      .getWebSockets()
      .map((ws) => readAttachmentChecked(ws))
      .filter((a) => a?.username !== undefined && a.tokenId !== undefined && removed.has(a.tokenId))
      .map((a) => a?.username);
  });
  expect(removedMembers).toEqual([]);
}

describe("moderation under random interleavings (fast-check)", () => {
  it("keeps every invariant: one holder per name, views equal the visible members, removed stay out", {
    timeout: 600_000,
  }, async () => {
    const { HUDDLE_FUZZ_RUNS: runs, HUDDLE_FUZZ_SEED: seed, HUDDLE_FUZZ_PATH: path } = env;
    await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 5, maxLength: 40 }), runScenario), {
      numRuns: runs === "" ? 40 : Number(runs),
      ...(seed === "" ? {} : { seed: Number(seed) }),
      ...(path === "" ? {} : { path }),
    });
  });
});
