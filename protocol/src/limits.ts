/**
 * Limits every server enforces and every client may check before sending.
 * They are part of the contract: a change here is a protocol change.
 */

/** Largest accepted WebSocket text frame, in UTF-8 bytes (SDP with many m-lines fits easily). */
export const MAX_FRAME_BYTES = 64 * 1024;

/**
 * Deepest nesting of objects and arrays a frame may have (the envelope counts as one level).
 * The deepest real message, `produce` with simulcast encodings, needs 6; anything far deeper is
 * refused before JSON.parse, so a hostile frame cannot make any part of the system recurse.
 */
export const MAX_JSON_DEPTH = 16;

/**
 * A room id: 1-64 characters of ASCII letters, digits, `-` and `_` (safe in URLs and logs).
 * Case does not matter: `Team-Sync` and `team-sync` are one room, named by its lower-case form
 * (`canonicalRoomId`).
 */
export const ROOM_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const ROOM_ID_MAX_LENGTH = 64;

/**
 * A display name: 1-32 characters (UTF-16 units); letters (each with up to four combining marks,
 * so decomposed accents and scripts such as Devanagari work), digits, `. _ -`, and single spaces
 * between them. Control, zero-width, bidi-override and other invisible characters never match.
 * Two names that look alike are one name in a room: see the edge's `usernameKey`.
 */
export const USERNAME_MAX_LENGTH = 32;
export const USERNAME_PATTERN = /^[\p{L}\p{N}._-]\p{M}{0,4}(?: ?[\p{L}\p{N}._-]\p{M}{0,4})*$/u;

/** Longest chat message text, in characters. */
export const CHAT_TEXT_MAX_LENGTH = 2000;

/** Longest `requestId` a client may attach. */
export const REQUEST_ID_MAX_LENGTH = 64;

/** Longest opaque join token. */
export const TOKEN_MAX_LENGTH = 2048;

/** Longest id of a mediasoup object (transport, producer, consumer) on the wire. */
export const MEDIA_ID_MAX_LENGTH = 64;

/** Longest SDP accepted in a relayed offer or answer. */
export const SDP_MAX_LENGTH = 60 * 1024;

/** Longest ICE candidate line accepted in a relay. */
export const ICE_CANDIDATE_MAX_LENGTH = 1024;

/**
 * A socket that has not joined this long after it opened (or after it left) is closed by the
 * edge with close code CLOSE_JOIN_TIMEOUT: idle sockets must not hold a room's capacity.
 */
export const JOIN_TIMEOUT_MS = 30_000;
export const CLOSE_JOIN_TIMEOUT = 4008;
/** Close code of a socket whose username was taken over by a `join-room` with its `resume` secret. */
export const CLOSE_REPLACED = 4009;

/** Defaults a deployment can change (see the edge's configuration). */
export const DEFAULT_MAX_PARTICIPANTS = 100;
/**
 * Token bucket per socket: burst size and refill per second. Sized for SFU joins: a newcomer
 * sends `consume` and `resume-consumer` for each producer already in the room (two per
 * participant with camera and microphone), so joining 50 others is about 200 messages.
 */
export const DEFAULT_RATE_BURST = 200;
export const DEFAULT_RATE_PER_SECOND = 50;
