// `npm run token`: its arguments, where its keys come from, and that what it prints is a join token
// both our verifier and LiveKit's accept.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TokenKeys, verifyJoinToken } from "@huddle/protocol/access";
import { TokenVerifier } from "livekit-server-sdk";
import { afterAll, describe, expect, it } from "vitest";
import { inviteLink, parseTokenArgs, parseTtl, signingKey, TokenArgsError } from "../../scripts/lib/token-args.ts";

const REPO_ROOT = join(import.meta.dirname, "..", "..");
const KEY = "APIcli";
const SECRET = "s".repeat(40);
const scratch = mkdtempSync(join(tmpdir(), "huddle-token-cli-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("npm run token: arguments", () => {
  it("parses every option, with defaults", () => {
    expect(parseTokenArgs(["--room", "standup", "--user", "alice"])).toEqual({
      room: "standup",
      user: "alice",
      name: undefined,
      admin: false,
      ttlSeconds: 6 * 3600,
      key: undefined,
      secret: undefined,
      url: "http://127.0.0.1:8787",
    });
    const all = ["--room", "r", "--user", "u", "--name", "U U", "--admin", "--ttl", "30m"];
    expect(parseTokenArgs([...all, "--key", KEY, "--secret", SECRET, "--url", "https://meet.example.com/"])).toEqual({
      room: "r",
      user: "u",
      name: "U U",
      admin: true,
      ttlSeconds: 1800,
      key: KEY,
      secret: SECRET,
      url: "https://meet.example.com",
    });
  });

  it("reads durations in s, m, h, d or plain seconds", () => {
    expect(["90s", "30m", "2h", "1d", "45"].map(parseTtl)).toEqual([90, 1800, 7200, 86_400, 45]);
    for (const bad of ["", "0s", "2w", "1.5h", "-1h", "h", "367d"]) {
      expect(() => parseTtl(bad), bad).toThrow(TokenArgsError);
    }
  });

  it("refuses a missing room or user, unknown flags, a secret without a key, a bad URL", () => {
    expect(() => parseTokenArgs(["--user", "u"])).toThrow(/--room is required/);
    expect(() => parseTokenArgs(["--room", "r"])).toThrow(/--user is required/);
    expect(() => parseTokenArgs(["--room", "r", "--user", "u", "--bogus"])).toThrow(TokenArgsError);
    expect(() => parseTokenArgs(["--room", "r", "--user", "u", "extra"])).toThrow(TokenArgsError);
    expect(() => parseTokenArgs(["--room", "r", "--user", "u", "--secret", SECRET])).toThrow(/needs --key/);
    expect(() => parseTokenArgs(["--room", "r", "--user", "u", "--url", "ftp://x"])).toThrow(/http/);
  });

  it("links to the room with the token in the fragment", () => {
    expect(inviteLink("http://127.0.0.1:8787", "a b", "x.y.z")).toBe("http://127.0.0.1:8787/?room=a%20b#token=x.y.z");
  });
});

describe("npm run token: signing keys", () => {
  const args = (extra: string[] = []) => parseTokenArgs(["--room", "r", "--user", "u", ...extra]);
  const repoWith = (devVars: string) => {
    const dir = mkdtempSync(join(scratch, "repo-"));
    writeFileSync(join(dir, ".dev.vars"), devVars);
    return dir;
  };

  it("takes --key/--secret first, then API_KEYS, then HUDDLE_API_KEYS, then .dev.vars", () => {
    const repo = repoWith(`MEDIA_NODE_SECRET=abc\nAPI_KEYS=devkey:${"d".repeat(32)}\n`);
    const env = { API_KEYS: `envkey:${"e".repeat(32)}`, HUDDLE_API_KEYS: `startkey:${"h".repeat(32)}` };
    expect(signingKey(args(["--key", KEY, "--secret", SECRET]), env, repo)).toMatchObject({
      apiKey: KEY,
      apiSecret: SECRET,
    });
    expect(signingKey(args(), env, repo).apiKey).toBe("envkey");
    expect(signingKey(args(), { HUDDLE_API_KEYS: env.HUDDLE_API_KEYS }, repo).apiKey).toBe("startkey");
    expect(signingKey(args(), {}, repo)).toMatchObject({ apiKey: "devkey", apiSecret: "d".repeat(32) });
  });

  it("picks the pair --key names", () => {
    const env = { API_KEYS: `k1:${"1".repeat(32)},k2:${"2".repeat(32)}` };
    expect(signingKey(args(["--key", "k2"]), env, scratch).apiSecret).toBe("2".repeat(32));
    expect(() => signingKey(args(["--key", "k3"]), env, scratch)).toThrow(/no key 'k3'.*k1, k2/);
  });

  it("says clearly when there is no key, or a bad one", () => {
    expect(() => signingKey(args(), {}, scratch)).toThrow(/no API key to sign with/);
    expect(() => signingKey(args(), { API_KEYS: "k1:short" }, scratch)).toThrow(/at least 32/);
    expect(() => signingKey(args(["--key", "k", "--secret", "short"]), {}, scratch)).toThrow(/at least 32/);
  });
});

describe("npm run token: the printed token", () => {
  const run = (extra: string[], env: NodeJS.ProcessEnv = {}) =>
    execFileSync(process.execPath, [join(REPO_ROOT, "scripts", "token.ts"), ...extra], {
      cwd: scratch,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, ...env },
    });
  const keys: TokenKeys = { secrets: new Map([[KEY, SECRET]]) };

  it("is a join token our verifier and LiveKit's accept, and the invite link carries it", async () => {
    const out = run(["--room", "Standup", "--user", "alice", "--name", "Alice", "--ttl", "2h"], {
      API_KEYS: `${KEY}:${SECRET}`,
    });
    const token = /^token: +(\S+)$/m.exec(out)?.[1] ?? "";
    expect(out).toMatch(new RegExp(`^invite: +http://127\\.0\\.0\\.1:8787/\\?room=Standup#token=${token}$`, "m"));
    const ours = await verifyJoinToken(token, keys, { roomId: "standup", username: "alice" });
    expect(ours.ok && ours.value).toMatchObject({ identity: "alice", name: "Alice" });
    expect(ours.ok && ours.value.permissions).toMatchObject({ canPublish: true, roomAdmin: false });
    expect(ours.ok && ours.value.expiresAt - Date.now()).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(ours.ok && ours.value.expiresAt - Date.now()).toBeLessThanOrEqual(2 * 3600_000);
    const theirs = await new TokenVerifier(KEY, SECRET).verify(token);
    expect(theirs.sub).toBe("alice");
    expect(theirs.video).toEqual({ room: "Standup", roomJoin: true });
  });

  it("--admin grants roomAdmin and roomRecord", async () => {
    const out = run(["--room", "r", "--user", "mod", "--admin", "--key", KEY, "--secret", SECRET]);
    const token = /^token: +(\S+)$/m.exec(out)?.[1] ?? "";
    const ours = await verifyJoinToken(token, keys, { roomId: "r", username: "mod" });
    expect(ours.ok && ours.value.permissions).toMatchObject({ roomAdmin: true, roomRecord: true });
    expect((await new TokenVerifier(KEY, SECRET).verify(token)).video).toMatchObject({ roomAdmin: true });
  });

  it("exits 2 with the reason and the usage when its arguments are wrong", () => {
    const script = join(REPO_ROOT, "scripts", "token.ts");
    const result = spawnSync(process.execPath, [script, "--room", "r", "--key", KEY, "--secret", SECRET], {
      cwd: scratch,
      encoding: "utf8",
      env: { PATH: process.env.PATH },
    });
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/--user is required\nusage: npm run token/);
  });
});
