import { describe, expect, it } from "vitest";
import { createJoinToken } from "../../../protocol/src/access/join-token.ts";
import { decodeInvite, invitePublishes, takeInvite, tokenFromUrl, urlWithoutToken } from "../../../web/src/invite.ts";

// The invite link's token: where it is read from, what the lobby learns from it (decoded, not
// verified: the edge verifies), and that it leaves the address bar but stays for a reload.

const SECRET = "s".repeat(32);
const token = (options: Partial<Parameters<typeof createJoinToken>[0]> = {}) =>
  createJoinToken({ apiKey: "key", apiSecret: SECRET, identity: "sam", room: "Team-1", ...options });

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
  removeItem(key: string): void {
    this.items.delete(key);
  }
}

function env(href: string, storage = new MemoryStorage()) {
  const replaced: string[] = [];
  return {
    replaced,
    storage,
    location: { href },
    history: {
      replaceState: (_data: unknown, _unused: string, url?: string | URL | null) => {
        replaced.push(String(url));
      },
    },
  };
}

describe("tokenFromUrl and urlWithoutToken", () => {
  it("reads the fragment's token first, then the query's", () => {
    expect(tokenFromUrl(new URL("https://app.example/?room=r#token=abc.def.ghi"))).toBe("abc.def.ghi");
    expect(tokenFromUrl(new URL("https://app.example/?room=r&token=q.q.q"))).toBe("q.q.q");
    expect(tokenFromUrl(new URL("https://app.example/?token=q.q.q#token=f.f.f"))).toBe("f.f.f");
    expect(tokenFromUrl(new URL("https://app.example/?room=r#token="))).toBeNull();
    expect(tokenFromUrl(new URL("https://app.example/?room=r"))).toBeNull();
  });

  it("removes the token from both places and keeps everything else", () => {
    expect(urlWithoutToken(new URL("https://app.example/?room=r&edge=x#token=a.b.c")).href).toBe(
      "https://app.example/?room=r&edge=x",
    );
    expect(urlWithoutToken(new URL("https://app.example/?token=a.b.c&room=r#x=1&token=a.b.c")).href).toBe(
      "https://app.example/?room=r#x=1",
    );
  });
});

describe("decodeInvite", () => {
  it("takes the identity from sub, the shown name from name (else sub), the room and grants from video", async () => {
    const invite = decodeInvite(await token({ name: "Sam Lee", grant: { roomAdmin: true } }));
    expect(invite).toMatchObject({
      identity: "sam",
      name: "Sam Lee",
      grant: { room: "Team-1", canPublish: true, canPublishSources: null, roomAdmin: true, hidden: false },
    });
    expect(invite?.expiresAt).toBeGreaterThan(Date.now());
    expect(decodeInvite(await token())?.name).toBe("sam");
  });

  it("applies LiveKit's defaults and source limits", async () => {
    const viewer = decodeInvite(await token({ grant: { canPublish: false } }));
    if (viewer === null) throw new Error("not decoded");
    expect(invitePublishes(viewer, "microphone")).toBe(false);
    expect(invitePublishes(viewer, "camera")).toBe(false);
    const micOnly = decodeInvite(await token({ grant: { canPublishSources: ["microphone"] } }));
    if (micOnly === null) throw new Error("not decoded");
    expect(invitePublishes(micOnly, "microphone")).toBe(true);
    expect(invitePublishes(micOnly, "camera")).toBe(false);
    // An empty list means every source.
    const everything = decodeInvite(await token({ grant: { canPublishSources: [] } }));
    if (everything === null) throw new Error("not decoded");
    expect(invitePublishes(everything, "camera")).toBe(true);
  });

  it("decodes UTF-8 names (base64url payloads) and refuses what is not a JWT with a sub", async () => {
    expect(decodeInvite(await token({ name: "Zoë Ørsted 🎉" }))?.name).toBe("Zoë Ørsted 🎉");
    expect(decodeInvite("not-a-jwt")).toBeNull();
    expect(decodeInvite("a.b.c")).toBeNull();
    const noSub = `x.${Buffer.from(JSON.stringify({ video: { room: "r" } })).toString("base64url")}.y`;
    expect(decodeInvite(noSub)).toBeNull();
  });
});

describe("takeInvite", () => {
  it("reads the link's token, hides it from the address and keeps it for a reload of the tab", async () => {
    const jwt = await token({ name: "Sam" });
    const first = env(`https://app.example/?room=team-1#token=${jwt}`);
    const taken = takeInvite(first);
    expect(taken !== null && "invite" in taken && taken.invite.token).toBe(jwt);
    expect(first.replaced).toEqual(["https://app.example/?room=team-1"]);
    // The reload: the address has no token any more, the tab still has it.
    const reload = env("https://app.example/?room=team-1", first.storage);
    const again = takeInvite(reload);
    expect(again !== null && "invite" in again && again.invite.identity).toBe("sam");
    expect(reload.replaced).toEqual([]);
  });

  it("reads ?token= too, and keeps no kept invite for another room", async () => {
    const jwt = await token();
    const first = env(`https://app.example/?token=${jwt}`);
    expect(takeInvite(first)).not.toBeNull();
    expect(first.replaced).toEqual(["https://app.example/"]);
    expect(takeInvite(env("https://app.example/?room=elsewhere", first.storage))).toBeNull();
    expect(takeInvite(env("https://app.example/", first.storage))).not.toBeNull();
  });

  it("an unreadable token is reported (and forgotten), not sent", () => {
    const storage = new MemoryStorage();
    storage.setItem("huddle.invite", "old");
    const page = env("https://app.example/?room=r#token=garbage", storage);
    expect(takeInvite(page)).toEqual({ unreadable: "garbage" });
    expect(page.replaced).toEqual(["https://app.example/?room=r"]);
    expect(storage.items.size).toBe(0);
  });

  it("works without storage (private mode)", async () => {
    const page = { ...env(`https://app.example/#token=${await token()}`), storage: null };
    expect(takeInvite(page)).not.toBeNull();
  });
});
