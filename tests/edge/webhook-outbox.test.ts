// The webhook outbox in a real Durable Object's SQLite storage, with its clock and its HTTP client
// in the test's hands: the retry schedule, giving up, the bound, and that emit never throws. The
// real network path (wrangler dev posting to a receiver) is tests/integration/webhooks.test.ts.
import { runInDurableObject } from "cloudflare:test";
import { OPEN_ROOM_PERMISSIONS } from "@huddle/protocol";
import { type TokenKeys, verifyWebhook, type WebhookEvent } from "@huddle/protocol/access";
import { describe, expect, it } from "vitest";
import type { RoomEvent } from "../../edge/src/room/room-events.ts";
import {
  backoffMs,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_OUTBOX_LIMIT,
  WEBHOOK_TIMEOUT_MS,
} from "../../edge/src/room/webhook-policy.ts";
import { WebhookOutbox } from "../../edge/src/room/webhooks.ts";
import { roomStub, uniqueRoom } from "./client.ts";

const API_KEY = "APIoutbox";
const API_SECRET = "outbox-secret-that-is-long-enough-32";
const keys: TokenKeys = { secrets: new Map([[API_KEY, API_SECRET]]) };
const URLS = ["https://a.example/hook", "https://b.example/hook"];

interface Post {
  url: string;
  body: string;
  authorization: string;
}

/** An outbox over a fresh room's storage; `answer` decides each POST's fate. */
function harness(sql: SqlStorage, urls = URLS) {
  const clock = { now: 1_800_000_000_000 };
  const posts: Post[] = [];
  const wakes: number[] = [];
  let answer: (post: Post) => Promise<Response> = async () => new Response("ok");
  const outbox = new WebhookOutbox({
    roomId: "standup",
    config: { urls, apiKey: API_KEY, apiSecret: API_SECRET },
    sql,
    participants: () => 1,
    now: () => clock.now,
    wakeAt: async (at) => {
      wakes.push(at);
    },
    fetch: async (input, init) => {
      const headers = new Headers(init?.headers);
      const post = { url: String(input), body: String(init?.body), authorization: headers.get("authorization") ?? "" };
      posts.push(post);
      return answer(post);
    },
  });
  const rows = () =>
    sql
      .exec<{ url: string; attempts: number; due_at: number }>(
        "SELECT url, attempts, due_at FROM webhook_outbox ORDER BY seq",
      )
      .toArray();
  return {
    outbox,
    clock,
    posts,
    wakes,
    rows,
    answerWith(fn: (post: Post) => Promise<Response>) {
      answer = fn;
    },
  };
}

const joined = (user: string): RoomEvent => ({
  kind: "participant-joined",
  participant: { user, joinedAt: 1_800_000_000_000, permissions: OPEN_ROOM_PERMISSIONS },
});

async function inRoom<T>(fn: (sql: SqlStorage) => Promise<T>): Promise<T> {
  return runInDurableObject(roomStub(uniqueRoom("outbox")), (_instance, state) => fn(state.storage.sql));
}

const eventOf = (post: Post) => JSON.parse(post.body) as WebhookEvent;

describe("webhook outbox", () => {
  it("emit stores one delivery per URL and asks for the alarm; delivered rows are deleted", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql);
      h.outbox.emit({ kind: "room-started" });
      expect(h.rows().map((r) => r.url)).toEqual(URLS);
      expect(h.wakes).toEqual([h.clock.now]);
      expect(h.posts).toEqual([]); // nothing is sent from emit
      await h.outbox.deliverDue();
      expect(h.posts.map((p) => p.url).sort()).toEqual(URLS);
      for (const post of h.posts) {
        const verified = await verifyWebhook(post.body, post.authorization, keys, h.clock.now);
        expect(verified.ok && verified.event.event).toBe("room_started");
      }
      expect(h.rows()).toEqual([]);
    });
  });

  it("retries a failure after 1 s, 2 s, 4 s with a fresh signature, then deletes it when accepted", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql, [URLS[0] as string]);
      let failures = 3;
      h.answerWith(async () => (failures-- > 0 ? new Response("no", { status: 503 }) : new Response("ok")));
      h.outbox.emit(joined("alice"));
      const start = h.clock.now;
      const dueTimes: number[] = [];
      for (let attempt = 1; attempt <= 3; attempt++) {
        await h.outbox.deliverDue();
        const [row] = h.rows();
        expect(row?.attempts).toBe(attempt);
        dueTimes.push(Number(row?.due_at) - h.clock.now);
        expect(h.wakes.at(-1)).toBe(Number(row?.due_at));
        // Not due yet: nothing is sent.
        await h.outbox.deliverDue();
        expect(h.posts).toHaveLength(attempt);
        h.clock.now = Number(row?.due_at);
      }
      expect(dueTimes).toEqual([1000, 2000, 4000]);
      await h.outbox.deliverDue();
      expect(h.posts).toHaveLength(4);
      expect(h.rows()).toEqual([]);
      // The same event every time, signed anew: the last signature verifies now, the first did at its time.
      expect(new Set(h.posts.map((p) => eventOf(p).id)).size).toBe(1);
      expect((await verifyWebhook(h.posts[3]?.body ?? "", h.posts[3]?.authorization, keys, h.clock.now)).ok).toBe(true);
      expect(h.posts[0]?.authorization).not.toBe(h.posts[3]?.authorization);
      expect(h.clock.now - start).toBe(7000);
    });
  });

  it("a network error counts as a failure; after the last attempt the delivery is dropped", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql, [URLS[0] as string]);
      h.answerWith(async () => {
        throw new TypeError("connection refused");
      });
      h.outbox.emit(joined("bob"));
      for (let attempt = 1; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt++) {
        await h.outbox.deliverDue();
        const [row] = h.rows();
        if (attempt < WEBHOOK_MAX_ATTEMPTS) {
          expect(Number(row?.due_at) - h.clock.now).toBe(backoffMs(attempt));
          h.clock.now = Number(row?.due_at);
        } else expect(row).toBeUndefined();
      }
      expect(h.posts).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
    });
  });

  it("keeps at most WEBHOOK_OUTBOX_LIMIT deliveries, dropping the oldest", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql, [URLS[0] as string]);
      for (let i = 0; i < WEBHOOK_OUTBOX_LIMIT + 5; i++) h.outbox.emit(joined(`user${i}`));
      expect(h.rows()).toHaveLength(WEBHOOK_OUTBOX_LIMIT);
      await h.outbox.deliverDue();
      const users = h.posts.map((p) => eventOf(p).participant?.identity);
      expect(users).toHaveLength(WEBHOOK_OUTBOX_LIMIT);
      expect(users).not.toContain("user4");
      expect(users).toContain("user5");
      expect(users).toContain(`user${WEBHOOK_OUTBOX_LIMIT + 4}`);
    });
  });

  it("a delivery in flight is not sent again by a second round, and the first round sets a safety alarm", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql, [URLS[0] as string]);
      let release: (response: Response) => void = () => {};
      h.answerWith(() => new Promise((resolve) => (release = resolve)));
      h.outbox.emit({ kind: "room-started" });
      const first = h.outbox.deliverDue();
      await new Promise((resolve) => setTimeout(resolve, 0));
      expect(h.posts).toHaveLength(1);
      expect(h.wakes).toContain(h.clock.now + WEBHOOK_TIMEOUT_MS + 1000);
      await h.outbox.deliverDue();
      expect(h.posts).toHaveLength(1);
      release(new Response("ok"));
      await first;
      expect(h.rows()).toEqual([]);
    });
  });

  it("emit never throws, even when the alarm cannot be set", async () => {
    await inRoom(async (sql) => {
      const outbox = new WebhookOutbox({
        roomId: "standup",
        config: { urls: URLS, apiKey: API_KEY, apiSecret: API_SECRET },
        sql,
        participants: () => 0,
        wakeAt: () => Promise.reject(new Error("storage is gone")),
      });
      expect(() => outbox.emit({ kind: "room-started" })).not.toThrow();
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
  });

  it("names one room session from room_started to room_finished, a new one after", async () => {
    await inRoom(async (sql) => {
      const h = harness(sql, [URLS[0] as string]);
      const events: RoomEvent[] = [
        { kind: "room-started" },
        joined("a"),
        { kind: "room-finished" },
        { kind: "room-started" },
      ];
      for (const event of events) {
        h.outbox.emit(event);
        await h.outbox.deliverDue();
      }
      const sent = h.posts.map(eventOf);
      expect(sent.map((e) => e.event)).toEqual(["room_started", "participant_joined", "room_finished", "room_started"]);
      const [first, second, third, fourth] = sent.map((e) => e.room?.sid);
      expect(first).toMatch(/^RM_/);
      expect([second, third]).toEqual([first, first]);
      expect(fourth).not.toBe(first);
    });
  });
});
