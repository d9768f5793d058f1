import { randomBytes } from "node:crypto";
import type { Browser } from "playwright-core";
import type { VideoGrant } from "../../../protocol/src/access/grants.ts";
import { createJoinToken } from "../../../protocol/src/access/join-token.ts";
import { type Edge, startEdge } from "../../support/edge.ts";
import { mediaNodeAvailable, startTestMediaNode } from "../../support/media-nodes.ts";
import { CallPage, type OpenOptions, requiredServer } from "./call-page.ts";

/**
 * The access suites' edge: rooms closed by `API_KEYS` (every join needs a token), on a media
 * node of its own, so moderation acts on real producers. Started by run.ts beside the other
 * edges; the suites mint tokens with the key it was given (HUDDLE_E2E_ACCESS_*).
 */
export async function startAccessEdge(): Promise<
  { edge: Edge; apiKey: string; apiSecret: string } | { unavailable: string }
> {
  if (process.env.HUDDLE_E2E_SFU === "0") return { unavailable: "HUDDLE_E2E_SFU=0" };
  const missing = mediaNodeAvailable();
  if (missing !== undefined) return { unavailable: missing };
  const nodeSecret = randomBytes(32).toString("hex");
  const apiKey = "e2e-access";
  const apiSecret = randomBytes(32).toString("hex");
  const media = await startTestMediaNode("media-node-access", nodeSecret);
  const edge = await startEdge("access", {
    MAX_PARTICIPANTS: "4",
    MEDIA_NODES: media.url,
    MEDIA_NODE_SECRET: nodeSecret,
    API_KEYS: `${apiKey}:${apiSecret}`,
  });
  return { edge, apiKey, apiSecret };
}

export interface AccessServer {
  url: string;
  apiKey: string;
  apiSecret: string;
}

/** The access edge run.ts started (the suite fails, naming the reason, without one). */
export function accessServer(): AccessServer {
  const reason = process.env.HUDDLE_E2E_ACCESS_UNAVAILABLE;
  return {
    url: requiredServer("HUDDLE_E2E_ACCESS_URL", reason),
    apiKey: requiredServer("HUDDLE_E2E_ACCESS_KEY", reason),
    apiSecret: requiredServer("HUDDLE_E2E_ACCESS_SECRET", reason),
  };
}

export interface InviteOptions {
  /** The display name in the token (`name`). */
  name?: string;
  admin?: boolean;
  grant?: Omit<VideoGrant, "room" | "roomJoin">;
  /** Lifetime in seconds (default 10 minutes; negative: already expired). */
  ttlSeconds?: number;
  /** The room in the link's `?room=`, when it should differ from the token's (null: none, the token names it). */
  linkRoom?: string | null;
}

/** An invite link as `npm run token` prints it: `<edge>/?room=R#token=<jwt>`. */
export async function inviteLink(
  server: AccessServer,
  room: string,
  identity: string,
  options: InviteOptions = {},
): Promise<string> {
  const token = await createJoinToken({
    apiKey: server.apiKey,
    apiSecret: server.apiSecret,
    room,
    identity,
    ...(options.name === undefined ? {} : { name: options.name }),
    grant: { ...options.grant, ...(options.admin ? { roomAdmin: true } : {}) },
    ttlSeconds: options.ttlSeconds ?? 600,
  });
  const linkRoom = options.linkRoom === undefined ? room : options.linkRoom;
  return `${server.url}/${linkRoom === null ? "" : `?room=${encodeURIComponent(linkRoom)}`}#token=${token}`;
}

/** A participant who opens an invite link (the lobby shows who they join as; no name to type). */
export async function openInvite(
  browser: Browser,
  link: string,
  identity: string,
  options: Omit<OpenOptions, "navigate"> = {},
): Promise<CallPage> {
  const page = await CallPage.open(browser, "", "", identity, { ...options, navigate: false });
  await page.page.goto(link);
  await page.page.getByTestId("invite-identity").waitFor({ timeout: 15_000 });
  return page;
}

/** Presses "Join call" in an invite's lobby and waits for the call (Connected). */
export async function joinByInvite(page: CallPage): Promise<void> {
  await page.page.getByRole("button", { name: "Join call" }).click();
  await page.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
}

/** Opens the participants panel (a moderator's controls are there). */
export async function openPeople(page: CallPage): Promise<void> {
  const panel = page.page.getByRole("complementary", { name: "Participants" });
  if (!(await panel.isVisible())) await page.control("Participants").click();
  await panel.waitFor();
}
