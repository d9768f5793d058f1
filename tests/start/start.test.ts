// `npm start` as a new user runs it: the stack comes up, two people call each other through
// the SFU, Ctrl-C stops everything. And the two mistakes a newcomer meets first (a busy port,
// no mediasoup worker) each get one sentence that says what to do.
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { LoadResponse, mediaPaths, signedFetch } from "@huddle/protocol";
import type { Browser } from "playwright-core";
import { afterAll, describe, expect, test } from "vitest";
import { readDotenv } from "../../scripts/lib/dev-vars.ts";
import { launchChromium } from "../e2e/support/browser.ts";
import { CallPage } from "../e2e/support/call-page.ts";
import { insideNamespace } from "../support/netns.ts";
import { REPO_ROOT } from "../support/paths.ts";
import { reservePort } from "../support/ports.ts";
import { waitFor } from "../support/wait.ts";
import { type ProcessInfo, processes, StartProcess, survivors, tree } from "./start-process.ts";

/** What `npm start` runs; each must be seen running, and none may survive Ctrl-C. */
const PARTS: Record<string, RegExp> = {
  wrangler: /wrangler/,
  workerd: /workerd/,
  "media node": /media-node\/src\/main\.ts/,
  "mediasoup worker": /mediasoup-worker/,
};
const ANY_PART = new RegExp(
  Object.values(PARTS)
    .map((r) => r.source)
    .join("|"),
);

/** The edge's Durable Object storage for this run (not the developer's .wrangler/state). */
const STATE_DIR = join(REPO_ROOT, ".wrangler", `start-test-${process.pid}`);
const started: StartProcess[] = [];
let browser: Browser | undefined;
const pages: CallPage[] = [];

async function startStack(extraEnv: NodeJS.ProcessEnv = {}) {
  const ports = { edge: await reservePort(), media: await reservePort(), rtc: await reservePort({ udp: true }) };
  const start = new StartProcess({
    HUDDLE_PORT: String(ports.edge),
    HUDDLE_MEDIA_PORT: String(ports.media),
    HUDDLE_RTC_PORT: String(ports.rtc),
    HUDDLE_STATE_DIR: STATE_DIR,
    ...extraEnv,
  });
  started.push(start);
  return { start, ports };
}

afterAll(async () => {
  for (const page of pages) await page.close();
  await browser?.close();
  for (const start of started) await start.stopForGood();
  rmSync(STATE_DIR, { recursive: true, force: true });
});

describe("npm start", () => {
  test("prints a URL where two people call each other through the SFU; Ctrl-C stops every process", async () => {
    const { start, ports } = await startStack();
    const url = (await start.waitForLine(/Open (http:\/\/\S+?)\/? in two browser tabs/, 240_000)).replace(/\/$/, "");
    expect(url).toBe(`http://localhost:${ports.edge}`);
    // No API_KEYS anywhere (a fresh clone): it says the rooms are open (the line after the URL).
    expect(await start.waitForLine(/Access: (rooms are open)/, 10_000)).toBe("rooms are open");

    browser = await launchChromium("accept");
    const room = `start-${Date.now().toString(36)}`;
    const ada = await CallPage.open(browser, url, room, "Ada");
    const grace = await CallPage.open(browser, url, room, "Grace");
    pages.push(ada, grace);
    await Promise.all([ada.join(), grace.join()]);

    // The client chose the SFU because the edge's `joined` carried `sfu` (a media node serves the room).
    for (const page of [ada, grace]) {
      const mode = await page.mode();
      if (mode !== "sfu") {
        throw new Error(
          `${page.name}'s call runs in mode '${mode}', not 'sfu': the edge started by npm start did not put the room on its media node`,
        );
      }
    }
    await ada.expectDecoding(["Grace"]);
    await grace.expectDecoding(["Ada"]);

    // And the media really flows through that node: two camera producers, each consumed by the other.
    const secret = readDotenv(join(REPO_ROOT, ".dev.vars")).MEDIA_NODE_SECRET;
    expect(secret, "npm start keeps the edge <-> media node secret in .dev.vars").toBeTruthy();
    const load = await waitFor("the media node to carry both cameras", async () => {
      const response = await signedFetch(secret ?? "", `http://127.0.0.1:${ports.media}${mediaPaths.load}`);
      const body = LoadResponse.parse(await response.json());
      return body.totals.producers >= 2 && body.totals.consumers >= 2 ? body : undefined;
    });
    expect(load.totals.rooms).toBeGreaterThanOrEqual(1);

    // Ctrl-C while the call is up: every part was running, and none survives.
    const running = tree(start.pid).filter((p) => p.pid !== start.pid);
    for (const [part, pattern] of Object.entries(PARTS)) {
      expect(
        running.some((p) => pattern.test(p.command)),
        `${part} among ${running.map((p) => p.command).join("; ")}`,
      ).toBe(true);
    }
    process.kill(start.pid, "SIGINT");
    expect(await start.exited).toBe(0);
    expect(start.output()).toMatch(/\[start\] stopped/);
    let left: ProcessInfo[] = [];
    await waitFor(
      "every process npm start ran to be gone",
      () => {
        left = survivors(running);
        return left.length === 0;
      },
      10_000,
    ).catch(() => {
      throw new Error(`still running after Ctrl-C:\n${left.map((p) => `${p.pid} ${p.command}`).join("\n")}`);
    });
    if (insideNamespace()) {
      // A private PID namespace: any such process at all would be one of ours.
      const strays = processes().filter((p) => p.state !== "Z" && ANY_PART.test(p.command));
      expect(strays.map((p) => `${p.pid} ${p.command}`)).toEqual([]);
    }
  });

  test("a busy port gets one sentence naming the port and the variable to change", async () => {
    const busy: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      busy.listen(0, "127.0.0.1", () => {
        const address = busy.address();
        resolve(typeof address === "object" && address !== null ? address.port : 0);
      }),
    );
    try {
      const { start } = await startStack({ HUDDLE_PORT: String(port) });
      expect(await start.exited).toBe(1);
      expect(start.output()).toContain(
        `[start] Port ${port} (the edge and web client) is busy: stop the program that uses it, or set HUDDLE_PORT to a free port.`,
      );
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  test("a missing mediasoup worker gets one sentence saying how to get it", async () => {
    const missing = join(REPO_ROOT, "no-such-dir", "mediasoup-worker");
    const { start } = await startStack({ MEDIASOUP_WORKER_BIN: missing });
    expect(await start.exited).toBe(1);
    expect(start.output()).toContain(
      `[start] The mediasoup worker binary is missing (${missing}): run \`npm install\``,
    );
    expect(start.output()).toContain("HUDDLE_NO_MEDIA=1");
  });
});
