import { z } from "zod";
import { type ClientMessageType, clientData } from "./client.ts";
import { ERROR_CODES } from "./errors.ts";
import * as limits from "./limits.ts";
import { type ServerMessageType, serverData } from "./server.ts";

/** One line on what each client message does (the contract in words; see protocol.md). */
const clientEffects: Record<ClientMessageType, string> = {
  "join-room":
    "Join the room of this socket's URL (created on first join). Reply `joined`; the others get `user-joined`. With `resume` (the secret of this username's last `joined`), take the name over from a stale connection.",
  "leave-room": "Leave. The others get `user-left`; the user's media is closed. `username` must be the sender's own.",
  "chat-message": "Broadcast to everyone in the room, sender included; the server stamps `from` and `timestamp`.",
  "webrtc-offer": "Relayed to `target` only (same room), with `from` stamped by the server.",
  "webrtc-answer": "Relayed to `target` only (same room), with `from` stamped by the server.",
  "webrtc-ice-candidate": "Relayed to `target` only (same room), with `from` stamped by the server.",
  "media-state": "What the sender currently sends (for mute badges). The others get `media-state`; `joined` lists it.",
  "create-transport": "Create a WebRTC transport on the room's media node. Reply `webRtcTransportCreated`.",
  "connect-transport": "Connect one of the sender's transports (DTLS). Reply `transport-connected`.",
  produce: "Start sending on one of the sender's send transports. Reply `produced`; the others get `new-producer`.",
  consume: "Receive a producer on one of the sender's recv transports. Reply `consumed` (the consumer starts paused).",
  "resume-consumer": "Resume one of the sender's consumers. Reply `consumer-resumed`.",
  "consume-many":
    "Extension: `consume` of several producers in one request (one call to the media node). Replies, in the order of `producerIds`: one `consumed` or one `error` per producer, each with the request's `requestId`.",
  "resume-consumers":
    "Extension: `resume-consumer` of several consumers in one request. Replies, in order: one `consumer-resumed` or one `error` per consumer, each with the request's `requestId`.",
  "set-consumer-layers":
    "Extension: the highest spatial (and temporal) layer one of the sender's video consumers should receive, and optionally its `priority` (1-255). Reply `consumer-layers-set`. The publisher may get `producer-layers`.",
  "pause-consumer":
    "Extension: pause one of the sender's consumers on the media node (nothing is forwarded until `resume-consumer`). Reply `consumer-paused`. The publisher may get `producer-layers`.",
  "close-producer":
    "Close one of the sender's producers. Everyone else gets `producer-closed`; the sender gets its own copy as the reply.",
  "pause-producer":
    "Pause one of the sender's producers. Everyone else gets `producer-paused`; the sender gets its own copy as the reply.",
  "resume-producer":
    "Resume one of the sender's producers. Everyone else gets `producer-resumed`; the sender gets its own copy as the reply.",
  "restart-ice":
    "Restart ICE on one of the sender's transports (its connection went `disconnected` or `failed`). Reply `ice-restarted`; `transport-closed` when the node already closed it.",
  "mute-participant":
    "Moderators: pause `user`'s producers of `source` on the media node. Everyone (`user` included) gets `participant-muted` and `producer-paused`; `user` may unmute as their grants allow.",
  "remove-participant":
    "Moderators: `user` gets `participant-removed` and its socket is closed (4010); the others get `user-left`. The same token cannot join again until it expires. Reply `participant-removed`.",
  "update-participant":
    "Moderators: change `user`'s grants, display name or metadata, effective at once (revoked sources' producers are closed). Everyone gets `participant-updated`.",
  "update-room":
    "Moderators: lock the room (only moderators may join) or turn the lobby on or off. Everyone gets `room-updated`.",
  "admit-participant":
    "Moderators: let `user` in from the lobby: they get `joined`, the others `user-joined`; moderators get `lobby-updated`.",
  "deny-participant":
    "Moderators: turn `user` away from the lobby: they get `error` `join-denied` and their socket closes (4012); moderators get `lobby-updated`.",
  "end-room": "Moderators: end the call. Everyone gets `room-ended`, then every socket closes (4011).",
  "start-recording":
    "`roomAdmin` or `roomRecord`: record the room on its media node; everyone gets `recording-started` (docs/recording.md).",
  "stop-recording": "`roomAdmin` or `roomRecord`: stop the room's recording; everyone gets `recording-stopped`.",
  "raise-hand":
    "Raise the sender's hand. Everyone, the sender included, gets `hand-raised` with the edge's time; a hand already up keeps its time. Rate-limited per participant (`HAND_RATE_*`).",
  "lower-hand":
    "Lower the sender's hand, or with `user` (moderators only) someone else's. Everyone gets `hand-lowered`. Rate-limited like `raise-hand`.",
  "send-reaction":
    "Send one of the fixed reactions. Everyone, the sender included, gets `reaction`; nothing is stored. Needs `canPublishData`; rate-limited per participant (`REACTION_RATE_*`).",
};

const serverMeaning: Record<ServerMessageType, string> = {
  joined:
    "Reply to `join-room`. `users` includes the joiner; `sfu` is present when a media node serves the room; `resume` is the secret for taking this name over after a silent disconnect.",
  "user-joined": "Someone joined.",
  "user-left": "Someone left (exactly once per user, whether by `leave-room` or a closed socket).",
  "chat-message": "A chat line; `from` is the sender as the server knows it, `timestamp` the server's ISO 8601 time.",
  "webrtc-offer": "A relayed offer from `from`.",
  "webrtc-answer": "A relayed answer from `from`.",
  "webrtc-ice-candidate": "A relayed ICE candidate from `from`.",
  "media-state": "Another participant's current media state.",
  webRtcTransportCreated:
    "Reply to `create-transport`: what mediasoup-client's `createSendTransport`/`createRecvTransport` needs.",
  "transport-connected": "Reply to `connect-transport`.",
  produced: "Reply to `produce`: the new producer's id.",
  "new-producer": "Another participant started sending; consume it with `consume`.",
  consumed: "Reply to `consume`: what mediasoup-client's `transport.consume` needs. The consumer starts paused.",
  "consumer-resumed": "Reply to `resume-consumer`.",
  "consumer-paused": "Reply to `pause-consumer`.",
  "consumer-layers-set": "Reply to `set-consumer-layers`: the layers the media node now prefers for that consumer.",
  "producer-layers":
    "Dynacast, to a publisher: the highest spatial layer of its simulcast producer that anyone receives. Turn encodings above it off, those up to it on. Sent when it changes (gathered for `PRODUCER_LAYERS_DEBOUNCE_MS`).",
  "ice-restarted":
    "Reply to `restart-ice`: the transport's new ICE parameters; pass them to mediasoup-client's `transport.restartIce`.",
  "producer-closed": "A producer closed (explicitly, by leave, or with its transport).",
  "producer-paused": "A producer was paused (muted).",
  "producer-resumed": "A producer was resumed (unmuted).",
  "media-reset":
    "The room's media node was lost or replaced: every transport, producer and consumer is gone. Rebuild against `sfu` (new router capabilities), or use the mesh when `sfu` is absent.",
  "participant-updated": "A participant's grants, display name or metadata changed (`by`: the moderator).",
  "participant-muted": "A moderator muted `user`'s `source`; its producers are paused.",
  "recording-started": "The room is being recorded from now on (`by`: who started it).",
  "recording-stopped": "The room's recording stopped.",
  "participant-removed": "To the removed participant before its socket closes (4010), and as the moderator's reply.",
  "room-updated": "The room's lock or lobby setting changed.",
  "room-ended": "The call was ended by a moderator or the room API; every socket closes next (4011).",
  "lobby-waiting":
    "Reply to `join-room` in a room with the lobby on: wait for `joined` (admitted) or `error` `join-denied`.",
  "lobby-updated": "To moderators: who waits in the lobby now.",
  "hand-raised": "`user`'s hand is up since `raisedAt`; hands are shown in the order of `raisedAt`.",
  "hand-lowered": "`user`'s hand is down (`by`: the moderator who lowered it).",
  reaction: "`user` sent a reaction: show it over their tile for a moment.",
  "active-speaker":
    "SFU rooms: the media node's active speaker is `user` now (`level`: dBov, when known). At most a few a second per room.",
  "connection-quality":
    "SFU rooms: `user`'s connection quality changed (from the media node's scores and transport states).",
  error: "Something the client sent was refused; `code` is stable (see the table below). Changes no state.",
};

function schemaBlock(schema: z.ZodType): string {
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  delete json.$schema;
  return `\`\`\`json\n${JSON.stringify(json, null, 2)}\n\`\`\``;
}

function limitValue(value: unknown): string {
  return value instanceof RegExp ? `\`${value.source}\`` : `\`${String(value)}\``;
}

/** The protocol reference as Markdown, generated from the zod schemas. */
export function renderReference(): string {
  const out: string[] = [
    "<!-- Generated by `npm run protocol:gen` from protocol/src. Do not edit by hand: a test fails when this file is stale. -->",
    "# Protocol reference",
    "",
    'Every frame is a UTF-8 JSON text frame `{ "type": string, "data": object, "requestId"?: string }`.',
    "`requestId` (1-64 characters) is echoed on every direct reply, errors included. The rules are in",
    "[`protocol.md`](protocol.md); the schemas below are the exact `data` each `type` takes.",
    "",
    'Keepalive: the exact frame `{"type":"ping","data":{}}` is answered `{"type":"pong","data":{}}`',
    "by the edge without waking the room (it needs no join and does not count against the rate limit).",
    "",
    "## Limits",
    "",
    "| name | value |",
    "| --- | --- |",
  ];
  for (const [name, value] of Object.entries(limits).sort(([a], [b]) => a.localeCompare(b)))
    out.push(`| \`${name}\` | ${limitValue(value)} |`);
  out.push("", "## Error codes", "", ERROR_CODES.map((c) => `\`${c}\``).join(", "), "");
  out.push("## Client -> server", "");
  for (const [type, schema] of Object.entries(clientData)) {
    out.push(`### \`${type}\``, "", clientEffects[type as ClientMessageType], "", schemaBlock(schema), "");
  }
  out.push("## Server -> client", "");
  for (const [type, schema] of Object.entries(serverData)) {
    out.push(`### \`${type}\``, "", serverMeaning[type as ServerMessageType], "", schemaBlock(schema), "");
  }
  return out.join("\n");
}

export const REFERENCE_PATH = "docs/protocol-reference.md";
