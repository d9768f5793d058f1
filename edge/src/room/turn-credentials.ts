import type { IceServer } from "@huddle/protocol";
import type { TurnConfig } from "../config.ts";

/**
 * Short-lived TURN credentials by the TURN REST API scheme that coturn's `use-auth-secret`
 * checks: the username is `<expiry unix time>:<user>`, the password base64(HMAC-SHA1(secret,
 * username)). No static password ships in the client; a credential stops working at its expiry.
 */
export async function turnServers(turn: TurnConfig, user: string, now = Date.now()): Promise<IceServer[]> {
  const expiry = Math.floor(now / 1000) + turn.ttlSeconds;
  const username = `${expiry}:${user}`;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(turn.secret),
    { name: "HMAC", hash: "SHA-1" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)));
  const credential = btoa(String.fromCharCode(...mac));
  return [{ urls: [...turn.urls], username, credential }];
}
