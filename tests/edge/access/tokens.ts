import { env } from "cloudflare:workers";
import { createToken, type VideoGrant } from "@huddle/protocol/access";
import { base64url, importJWK, SignJWT } from "jose";
import { TEST_API_KEYS } from "./keys.ts";

export interface MintOptions {
  room: string;
  user: string;
  grant?: Omit<VideoGrant, "room">;
  name?: string;
  metadata?: string;
  ttlSeconds?: number;
  jti?: string;
  key?: { key: string; secret: string };
}

/** A join token signed like LiveKit's, with the test API key (roomJoin granted unless the grant says otherwise). */
export function mint(options: MintOptions): Promise<string> {
  const key = options.key ?? TEST_API_KEYS.main;
  return createToken({
    apiKey: key.key,
    apiSecret: key.secret,
    identity: options.user,
    grant: { roomJoin: true, ...options.grant, room: options.room },
    ...(options.name === undefined ? {} : { name: options.name }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    ...(options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds }),
    ...(options.jti === undefined ? {} : { jti: options.jti }),
  });
}

/** A moderator's token. */
export const admin = (room: string, user: string) => mint({ room, user, grant: { roomAdmin: true } });

/** A token with any claims and header, signed HS256 with `secret` (for hostile cases). */
export async function signRaw(
  claims: Record<string, unknown>,
  secret = TEST_API_KEYS.main.secret,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" },
): Promise<string> {
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(secret));
}

/** A token whose header says `alg: none` and carries no signature. */
export function unsigned(claims: Record<string, unknown>): string {
  const part = (value: object) => base64url.encode(new TextEncoder().encode(JSON.stringify(value)));
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}

/** A token signed EdDSA with the backend's private key (the edge has its public half in JWKS). */
export async function signEdDsa(claims: Record<string, unknown>): Promise<string> {
  const jwk = JSON.parse(env.HUDDLE_TEST_JWK) as { kid: string };
  const key = await importJWK(jwk, "EdDSA");
  return new SignJWT(claims).setProtectedHeader({ alg: "EdDSA", kid: jwk.kid }).sign(key);
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
