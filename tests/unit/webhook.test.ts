// Webhook signatures, checked against LiveKit's own receiver (livekit-server-sdk) both ways.
import { signWebhook, type TokenKeys, verifyWebhook, WebhookEvent, webhookBodyHash } from "@huddle/protocol/access";
import { SignJWT } from "jose";
import { AccessToken, WebhookReceiver } from "livekit-server-sdk";
import { describe, expect, it } from "vitest";

const KEY = "APIwebhooktest";
const SECRET = "a-webhook-signing-secret-of-32-chars-or-more";
const keys: TokenKeys = { secrets: new Map([[KEY, SECRET]]) };

const sample: WebhookEvent = WebhookEvent.parse({
  event: "participant_joined",
  id: "EV_abc123",
  createdAt: "1764633600",
  room: {
    sid: "RM_x",
    name: "standup",
    numParticipants: 2,
    creationTime: "1764633500",
    creationTimeMs: "1764633500123",
  },
  participant: {
    sid: "PA_y",
    identity: "alice",
    state: "ACTIVE",
    name: "Alice",
    metadata: '{"team":"a"}',
    joinedAt: "1764633600",
    joinedAtMs: "1764633600456",
    permission: {
      canSubscribe: true,
      canPublish: true,
      canPublishData: true,
      canPublishSources: ["CAMERA", "MICROPHONE"],
      hidden: false,
      recorder: false,
      canUpdateMetadata: false,
    },
  },
});
const body = JSON.stringify(sample);

describe("signWebhook / verifyWebhook", () => {
  it("our signature verifies with our verifier and with LiveKit's WebhookReceiver", async () => {
    const header = await signWebhook(body, KEY, SECRET);
    const ours = await verifyWebhook(body, header, keys);
    expect(ours).toEqual({ ok: true, event: sample });
    const theirs = await new WebhookReceiver(KEY, SECRET).receive(body, header);
    expect(theirs.event).toBe("participant_joined");
    expect(theirs.id).toBe("EV_abc123");
    expect(theirs.createdAt).toBe(1764633600n);
    expect(theirs.room?.name).toBe("standup");
    expect(theirs.room?.numParticipants).toBe(2);
    expect(theirs.room?.creationTime).toBe(1764633500n);
    expect(theirs.participant?.identity).toBe("alice");
    expect(theirs.participant?.name).toBe("Alice");
    expect(theirs.participant?.joinedAt).toBe(1764633600n);
    expect(theirs.participant?.permission?.canPublishSources).toEqual([1, 2]); // CAMERA, MICROPHONE
  });

  it("a track event's JSON names and enums are LiveKit's", async () => {
    const trackBody = JSON.stringify({
      ...sample,
      event: "track_published",
      track: { sid: "TR_z", type: "VIDEO", source: "SCREEN_SHARE", muted: true },
    });
    const theirs = await new WebhookReceiver(KEY, SECRET).receive(trackBody, await signWebhook(trackBody, KEY, SECRET));
    expect(theirs.track?.sid).toBe("TR_z");
    expect(theirs.track?.type).toBe(1); // VIDEO
    expect(theirs.track?.source).toBe(3); // SCREEN_SHARE
    expect(theirs.track?.muted).toBe(true);
  });

  it("a webhook signed as LiveKit's server signs it verifies with ours", async () => {
    // LiveKit's server: an AccessToken with the body's sha256 claim, valid for 5 minutes.
    const token = new AccessToken(KEY, SECRET, { ttl: "5m" });
    token.sha256 = await webhookBodyHash(body);
    const header = await token.toJwt();
    const result = await verifyWebhook(body, header, keys);
    expect(result).toEqual({ ok: true, event: sample });
  });

  it("an event from LiveKit without its zero-valued fields parses with defaults", async () => {
    const sparse = JSON.stringify({ event: "room_started", id: "EV_1", createdAt: 1764633600, room: { name: "r" } });
    const result = await verifyWebhook(sparse, await signWebhook(sparse, KEY, SECRET), keys);
    expect(result.ok && result.event.room).toEqual({
      sid: "",
      name: "r",
      numParticipants: 0,
      creationTime: "0",
      creationTimeMs: "0",
      metadata: "",
    });
    expect(result.ok && result.event.createdAt).toBe("1764633600");
  });

  it("accepts `Bearer <jwt>` as well as the bare JWT LiveKit sends", async () => {
    const header = await signWebhook(body, KEY, SECRET);
    expect((await verifyWebhook(body, `Bearer ${header}`, keys)).ok).toBe(true);
  });

  it("refuses a tampered body, on our side and LiveKit's", async () => {
    const header = await signWebhook(body, KEY, SECRET);
    const tampered = body.replace("alice", "mallory");
    expect(await verifyWebhook(tampered, header, keys)).toMatchObject({ ok: false, reason: "body-mismatch" });
    await expect(new WebhookReceiver(KEY, SECRET).receive(tampered, header)).rejects.toThrow(/sha256/);
  });

  it("refuses a header signed with another secret, or by an unknown key", async () => {
    const otherSecret = await signWebhook(body, KEY, "another-secret-also-at-least-32-characters");
    expect(await verifyWebhook(body, otherSecret, keys)).toMatchObject({ ok: false, reason: "bad-signature" });
    const otherKey = await signWebhook(body, "APIother", SECRET);
    expect(await verifyWebhook(body, otherKey, keys)).toMatchObject({ ok: false, reason: "unknown-key" });
    await expect(new WebhookReceiver(KEY, SECRET).receive(body, otherKey)).rejects.toThrow();
  });

  it("refuses an expired header, on our side and LiveKit's", async () => {
    const anHourAgo = Date.now() - 3600_000;
    const header = await signWebhook(body, KEY, SECRET, anHourAgo);
    expect(await verifyWebhook(body, header, keys)).toMatchObject({ ok: false, reason: "expired" });
    await expect(new WebhookReceiver(KEY, SECRET).receive(body, header)).rejects.toThrow(/exp/);
    // The same header is fine at the time it was made for.
    expect((await verifyWebhook(body, header, keys, anHourAgo + 1000)).ok).toBe(true);
  });

  it("refuses a missing header, garbage, a header without sha256, and a body that is no event", async () => {
    expect(await verifyWebhook(body, undefined, keys)).toMatchObject({ ok: false, reason: "missing" });
    expect(await verifyWebhook(body, "", keys)).toMatchObject({ ok: false, reason: "missing" });
    expect(await verifyWebhook(body, "not-a-jwt", keys)).toMatchObject({ ok: false, reason: "malformed" });
    const now = Math.floor(Date.now() / 1000);
    const noHash = await new SignJWT({})
      .setProtectedHeader({ alg: "HS256" })
      .setIssuer(KEY)
      .setExpirationTime(now + 60)
      .sign(new TextEncoder().encode(SECRET));
    expect(await verifyWebhook(body, noHash, keys)).toMatchObject({ ok: false, reason: "body-mismatch" });
    for (const bad of ["{not json", JSON.stringify({ event: "nope", id: "x", createdAt: "1" })]) {
      expect(await verifyWebhook(bad, await signWebhook(bad, KEY, SECRET), keys)).toMatchObject({
        ok: false,
        reason: "body-malformed",
      });
    }
  });
});
