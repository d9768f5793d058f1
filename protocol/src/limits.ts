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

/** Longest join token (a JWT; tokens with metadata grow, so there is room for 8 KiB of it). */
export const TOKEN_MAX_LENGTH = 12 * 1024;

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
/**
 * Close code a client uses when its keepalive got no answer (the network may be down): the edge
 * treats it like a socket that dropped (no close frame, code 1006, or an error) and keeps the
 * membership for its reconnect grace, so a `join-room` with the `resume` secret takes it over
 * without anyone seeing the participant leave. Any other close leaves at once.
 */
export const CLOSE_KEEPALIVE_TIMEOUT = 4000;
/** Close codes that mean "dropped" (the reconnect grace applies): no close frame, a server error, the client's keepalive. */
export const DROPPED_CLOSE_CODES: readonly number[] = [1006, 1011, CLOSE_KEEPALIVE_TIMEOUT];
/**
 * How long the web client tries to get a dropped connection back before it gives up (its
 * `?reconnectLimit=` changes it for one page).
 */
export const CLIENT_RECONNECT_LIMIT_MS = 60_000;
/**
 * Default reconnect grace of the edge (`RECONNECT_GRACE_SECONDS`): how long a dropped member is
 * kept. As long as the client keeps trying, so a client that gets back before it gives up always
 * resumes its membership and the others never see it leave.
 */
export const DEFAULT_RECONNECT_GRACE_MS = CLIENT_RECONNECT_LIMIT_MS;
/** Close code of a socket whose username was taken over by a `join-room` with its `resume` secret. */
export const CLOSE_REPLACED = 4009;
/** Close code of a socket whose participant a moderator removed (the same token cannot join again). */
export const CLOSE_REMOVED = 4010;
/** Close code of every socket of a room a moderator (or the room API) ended. */
export const CLOSE_ROOM_ENDED = 4011;
/** Close code of a socket whose request to join was denied in the lobby. */
export const CLOSE_DENIED = 4012;

/** Longest participant metadata (a string the deployer's backend or a moderator sets). */
export const METADATA_MAX_LENGTH = 4096;
/** Longest display name from a token's `name` (shown as is; the username stays the identity). */
export const DISPLAY_NAME_MAX_LENGTH = 128;

/** Defaults a deployment can change (see the edge's configuration). */
export const DEFAULT_MAX_PARTICIPANTS = 100;
/**
 * Token bucket per socket: burst size and refill per second. Sized for SFU joins: a newcomer
 * sends `consume` and `resume-consumer` for each producer already in the room (two per
 * participant with camera and microphone), so joining 50 others is about 200 messages.
 */
export const DEFAULT_RATE_BURST = 200;
export const DEFAULT_RATE_PER_SECOND = 50;

/**
 * Presence (_extension_): a bucket per participant for `raise-hand` / `lower-hand`, and one for
 * `send-reaction`, on top of the socket's own. Burst size and refill per second: a hand may go up
 * and down a few times in a row, a reaction comes in short bursts; beyond that they are
 * `rate-limited`, so nobody can flood everyone's screen.
 */
export const HAND_RATE_BURST = 6;
export const HAND_RATE_PER_SECOND = 0.5;
export const REACTION_RATE_BURST = 5;
export const REACTION_RATE_PER_SECOND = 1;

/**
 * Receiver-driven layers (_extension_): the highest spatial and temporal layer index a client may
 * ask for (`set-consumer-layers`; the media node picks the nearest layer a producer has), and the
 * range of a consumer's priority (mediasoup's, 1-255: a higher one gets bandwidth first).
 */
export const MAX_SPATIAL_LAYER = 3;
export const MAX_TEMPORAL_LAYER = 3;
export const MAX_CONSUMER_PRIORITY = 255;
/**
 * `set-consumer-layers` and `pause-consumer` (each a call to the media node) have a bucket per
 * socket of their own, on top of the socket's: burst size and refill per second. A client that
 * pages through a large room changes a page of tiles at once; a flood is `rate-limited`.
 */
export const LAYER_RATE_BURST = 100;
export const LAYER_RATE_PER_SECOND = 20;
/** Dynacast: how long the edge gathers consumer layer changes before it tells a publisher (ms). */
export const PRODUCER_LAYERS_DEBOUNCE_MS = 250;
