import {
  base64url,
  createLocalJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JSONWebKeySet,
  jwtVerify,
  SignJWT,
} from "jose";
import { z } from "zod";
import { canonicalRoomId } from "../fields.ts";
import { type Permissions, permissionsOf, VideoGrant } from "./grants.ts";

/**
 * Join tokens and API tokens, compatible with LiveKit's: a JWT signed HS256 with the secret of
 * the API key named in `iss`, carrying a `video` grant. A token minted with `livekit-server-sdk`'s
 * `AccessToken` verifies here, and ours verify there. Uses `jose`, which runs in Workers and Node.
 */

/** Clock skew allowed on `exp` and `nbf`, in seconds. */
export const TOKEN_CLOCK_TOLERANCE_SECONDS = 10;

/** API key -> secret (the edge's `API_KEYS`), plus optional public keys for EdDSA/ES256 tokens. */
export interface TokenKeys {
  readonly secrets: ReadonlyMap<string, string>;
  /** A JWKS: tokens whose `iss` is not an API key are verified against it (EdDSA or ES256, by `kid`). */
  readonly jwks?: JSONWebKeySet | undefined;
}

/** An API key secret shorter than this is refused (HS256 wants at least 256 bits). */
export const API_SECRET_MIN_LENGTH = 32;

/** `API_KEYS`: a comma list of `key:secret` pairs. Throws naming the first bad pair. */
export function parseApiKeys(raw: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const part of raw.split(",")) {
    const pair = part.trim();
    if (pair === "") continue;
    const colon = pair.indexOf(":");
    const key = pair.slice(0, colon).trim();
    const secret = pair.slice(colon + 1).trim();
    if (colon <= 0 || secret === "") throw new Error(`API_KEYS: '${key || pair.slice(0, 8)}…' is not key:secret`);
    if (secret.length < API_SECRET_MIN_LENGTH) {
      throw new Error(`API_KEYS: the secret of '${key}' must be at least ${API_SECRET_MIN_LENGTH} characters`);
    }
    if (keys.has(key)) throw new Error(`API_KEYS: '${key}' is listed twice`);
    keys.set(key, secret);
  }
  return keys;
}

/** The claims this server reads (LiveKit's names); others are ignored. */
export const TokenClaims = z.object({
  iss: z.string().min(1).max(256),
  /** The participant's identity: the socket's `username` must equal it. */
  sub: z.string().max(256).optional(),
  exp: z.number(),
  nbf: z.number().optional(),
  iat: z.number().optional(),
  jti: z.string().max(256).optional(),
  /** The display name others see. */
  name: z.string().max(128).optional(),
  metadata: z
    .string()
    .max(6 * 1024)
    .optional(),
  video: VideoGrant.default({}),
});
export type TokenClaims = z.infer<typeof TokenClaims>;

/** Why a token was refused; `message` says it in words. */
export type TokenFailure =
  | "malformed"
  | "unknown-key"
  | "algorithm"
  | "bad-signature"
  | "expired"
  | "not-yet-valid"
  | "claims"
  | "wrong-room"
  | "no-join"
  | "wrong-identity";

export type Verified<T> = { ok: true; value: T } | { ok: false; reason: TokenFailure; message: string };

const fail = (reason: TokenFailure, message: string) => ({ ok: false, reason, message }) as const;

/** A token's signature, algorithm, time window and claims; not what it grants. */
export async function verifyToken(token: string, keys: TokenKeys, now = Date.now()): Promise<Verified<TokenClaims>> {
  let iss: unknown;
  let alg: unknown;
  try {
    iss = decodeJwt(token).iss;
    alg = decodeProtectedHeader(token).alg;
  } catch {
    return fail("malformed", "the token is not a JWT");
  }
  if (typeof iss !== "string") return fail("claims", "the token names no API key (iss)");
  const secret = keys.secrets.get(iss);
  // A shared-secret token from a key we do not have; public-key tokens are looked up in the JWKS.
  const symmetric = typeof alg === "string" && alg.startsWith("HS");
  if (secret === undefined && (keys.jwks === undefined || symmetric)) {
    return fail("unknown-key", `unknown API key '${iss.slice(0, 64)}'`);
  }
  const options = {
    clockTolerance: TOKEN_CLOCK_TOLERANCE_SECONDS,
    currentDate: new Date(now),
    requiredClaims: ["exp"],
  };
  try {
    const { payload } =
      secret !== undefined
        ? await jwtVerify(token, new TextEncoder().encode(secret), { ...options, algorithms: ["HS256"] })
        : await jwtVerify(token, createLocalJWKSet(keys.jwks as JSONWebKeySet), {
            ...options,
            algorithms: ["EdDSA", "ES256"],
          });
    const claims = TokenClaims.safeParse(payload);
    if (!claims.success)
      return fail("claims", `the token's claims are malformed (${claims.error.issues[0]?.path.join(".")})`);
    return { ok: true, value: claims.data };
  } catch (error) {
    return fail(...failureOf(error, iss));
  }
}

function failureOf(error: unknown, iss: string): [TokenFailure, string] {
  if (error instanceof errors.JWTExpired) return ["expired", "the token has expired"];
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === "nbf") return ["not-yet-valid", "the token is not valid yet (nbf)"];
    return ["claims", `the token's '${error.claim}' claim is invalid`];
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return ["algorithm", "the token's signing algorithm is not accepted"];
  if (error instanceof errors.JWSSignatureVerificationFailed)
    return ["bad-signature", "the token's signature is wrong"];
  if (error instanceof errors.JWKSNoMatchingKey) return ["unknown-key", `unknown API key '${iss.slice(0, 64)}'`];
  return ["malformed", "the token is not a valid JWT"];
}

/** Who a verified join token says the participant is, and what they may do. */
export interface JoinGrant {
  identity: string;
  name?: string | undefined;
  metadata?: string | undefined;
  permissions: Permissions;
  /** For remembering a removed participant's token: its `jti`, or a hash of the whole token. */
  tokenId: string;
  /** When the token expires (ms since epoch). */
  expiresAt: number;
}

/**
 * A join token for `roomId` and `username`: verified, then checked like LiveKit checks it
 * (the grant's room, `roomJoin`, the identity). `allowExpired` is for a reconnect onto a live
 * membership (its resume secret is the proof that matters; see docs/protocol.md).
 */
export async function verifyJoinToken(
  token: string,
  keys: TokenKeys,
  expected: { roomId: string; username: string; allowExpired?: boolean; now?: number },
): Promise<Verified<JoinGrant>> {
  const now = expected.now ?? Date.now();
  let verified = await verifyToken(token, keys, now);
  if (!verified.ok && verified.reason === "expired" && expected.allowExpired === true) {
    const exp = decodeJwt(token).exp ?? 0;
    verified = await verifyToken(token, keys, exp * 1000);
  }
  if (!verified.ok) return verified;
  const claims = verified.value;
  if (claims.video.roomJoin !== true) return fail("no-join", "the token does not grant roomJoin");
  if (claims.video.room === undefined || canonicalRoomId(claims.video.room) !== expected.roomId) {
    return fail("wrong-room", `the token is for room '${(claims.video.room ?? "").slice(0, 64)}', not this one`);
  }
  if (claims.sub !== expected.username) {
    return fail("wrong-identity", "the username is not the token's identity (sub)");
  }
  return {
    ok: true,
    value: {
      identity: claims.sub,
      name: claims.name,
      metadata: claims.metadata,
      permissions: permissionsOf(claims.video),
      tokenId: claims.jti ?? (await tokenHash(token)),
      expiresAt: claims.exp * 1000,
    },
  };
}

/** base64url(SHA-256(token)): names a token that carries no `jti`. */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return base64url.encode(new Uint8Array(digest));
}

export interface CreateTokenOptions {
  apiKey: string;
  apiSecret: string;
  /** Lifetime in seconds; default 6 hours (LiveKit's default). */
  ttlSeconds?: number;
  grant: VideoGrant;
  identity?: string;
  name?: string;
  metadata?: string;
  jti?: string;
}

/** Signs a token exactly as LiveKit's AccessToken does (HS256, `video` grant). */
export function createToken(options: CreateTokenOptions): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { video: options.grant };
  if (options.name !== undefined) claims.name = options.name;
  if (options.metadata !== undefined) claims.metadata = options.metadata;
  let jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setIssuer(options.apiKey)
    .setNotBefore(now)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.ttlSeconds ?? 6 * 3600));
  if (options.identity !== undefined) jwt = jwt.setSubject(options.identity);
  if (options.jti !== undefined) jwt = jwt.setJti(options.jti);
  return jwt.sign(new TextEncoder().encode(options.apiSecret));
}

/** A join token for one room and identity (`roomJoin` granted; other grants as given). */
export function createJoinToken(
  options: Omit<CreateTokenOptions, "grant" | "identity"> & {
    identity: string;
    room: string;
    grant?: Omit<VideoGrant, "room" | "roomJoin">;
  },
): Promise<string> {
  const { room, grant, ...rest } = options;
  return createToken({ ...rest, grant: { ...grant, room, roomJoin: true } });
}
