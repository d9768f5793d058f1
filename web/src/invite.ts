/**
 * An invite link: `?room=R#token=JWT` (the fragment never reaches a server's logs) or
 * `?token=JWT`. The token is read once, removed from the visible address, and kept in
 * sessionStorage so a reload of the tab still joins with it. Its payload is decoded here
 * without verifying it (the edge verifies it): it only tells the lobby who the person will
 * join as, in which room, and whether they may publish.
 */

/** The `video` grant fields the lobby reads (LiveKit's names and defaults). */
export interface InviteGrant {
  room: string | null;
  canPublish: boolean;
  /** Absent or empty: every source (LiveKit). */
  canPublishSources: string[] | null;
  roomAdmin: boolean;
  hidden: boolean;
}

export interface Invite {
  token: string;
  /** `sub`: the identity, sent as `join-room.username`. */
  identity: string;
  /** The name others see: the `name` claim, else the identity. */
  name: string;
  grant: InviteGrant;
  /** `exp` in ms since the epoch, when present. */
  expiresAt: number | null;
}

const STORAGE_KEY = "huddle.invite";

/** The token of an invite URL: the fragment's `token=` first, then the query's. */
export function tokenFromUrl(url: URL): string | null {
  const fromHash = new URLSearchParams(url.hash.replace(/^#/, "")).get("token");
  if (fromHash !== null && fromHash !== "") return fromHash;
  const fromQuery = url.searchParams.get("token");
  return fromQuery !== null && fromQuery !== "" ? fromQuery : null;
}

/** `url` without its token (fragment and query); everything else kept. */
export function urlWithoutToken(url: URL): URL {
  const clean = new URL(url.href);
  clean.searchParams.delete("token");
  const hash = new URLSearchParams(clean.hash.replace(/^#/, ""));
  hash.delete("token");
  const rest = hash.toString();
  clean.hash = rest === "" ? "" : `#${rest}`;
  return clean;
}

function base64UrlDecode(part: string): string {
  const base64 = part.replace(/-/g, "+").replace(/_/g, "/");
  const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
  const bytes = Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

const text = (value: unknown): string | null => (typeof value === "string" && value !== "" ? value : null);
const flag = (value: unknown, fallback: boolean): boolean => (typeof value === "boolean" ? value : fallback);

/** The invite a token describes; null when it is not a JWT with a `sub` (the edge would refuse it too). */
export function decodeInvite(token: string): Invite | null {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return null;
  let payload: unknown;
  try {
    payload = JSON.parse(base64UrlDecode(parts[1]));
  } catch {
    return null;
  }
  if (typeof payload !== "object" || payload === null) return null;
  const claims = payload as Record<string, unknown>;
  const identity = text(claims.sub);
  if (identity === null) return null;
  const video = (typeof claims.video === "object" && claims.video !== null ? claims.video : {}) as Record<
    string,
    unknown
  >;
  const sources = Array.isArray(video.canPublishSources)
    ? video.canPublishSources.filter((s): s is string => typeof s === "string")
    : [];
  return {
    token,
    identity,
    name: text(claims.name) ?? identity,
    grant: {
      room: text(video.room),
      canPublish: flag(video.canPublish, true),
      canPublishSources: sources.length > 0 ? sources : null,
      roomAdmin: flag(video.roomAdmin, false),
      hidden: flag(video.hidden, false),
    },
    expiresAt: typeof claims.exp === "number" ? claims.exp * 1000 : null,
  };
}

/** Whether the invite lets its holder send `source` (LiveKit's name: camera, microphone, screen_share). */
export function invitePublishes(invite: Invite, source: string): boolean {
  const { canPublish, canPublishSources, hidden } = invite.grant;
  return canPublish && !hidden && (canPublishSources === null || canPublishSources.includes(source));
}

/** What the page was opened with: an invite, a token that cannot be read, or nothing. */
export type InviteResult = { invite: Invite } | { unreadable: string } | null;

interface Env {
  location: { href: string };
  history: { replaceState(data: unknown, unused: string, url?: string | URL | null): void };
  storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | null;
}

/**
 * Reads the invite from the address (then hides it there and keeps it in sessionStorage), or
 * the one kept from earlier in this tab when the address names its room or no room at all.
 */
export function takeInvite(env: Env): InviteResult {
  const url = new URL(env.location.href);
  const fromUrl = tokenFromUrl(url);
  if (fromUrl !== null) {
    env.history.replaceState(null, "", urlWithoutToken(url));
    const invite = decodeInvite(fromUrl);
    if (invite === null) {
      safely(() => env.storage?.removeItem(STORAGE_KEY));
      return { unreadable: fromUrl };
    }
    safely(() => env.storage?.setItem(STORAGE_KEY, fromUrl));
    return { invite };
  }
  const stored = safely(() => env.storage?.getItem(STORAGE_KEY) ?? null) ?? null;
  const invite = stored === null ? null : decodeInvite(stored);
  if (invite === null) return null;
  const room = url.searchParams.get("room");
  const sameRoom =
    room === null || invite.grant.room === null || room.toLowerCase() === invite.grant.room.toLowerCase();
  return sameRoom ? { invite } : null;
}

function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined; // storage may be unavailable (private mode): the invite lasts for this page only
  }
}

/** The browser's location, history and sessionStorage. */
export function browserEnv(): Env {
  let storage: Storage | null = null;
  try {
    storage = window.sessionStorage;
  } catch {
    storage = null;
  }
  return { location: window.location, history: window.history, storage };
}
