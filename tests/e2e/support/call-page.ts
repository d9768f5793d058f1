import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { waitFor } from "../../support/wait.ts";

export { waitFor };

/** Mirrors web/src/call/types.ts InboundVideoStat (what `window.__huddle.inboundVideo()` returns). */
export interface InboundVideo {
  user: string;
  source: "microphone" | "camera" | "screen";
  framesDecoded: number;
  /** SFU: the height of the frames decoded now (the layer received). */
  frameHeight?: number;
}

/** Mirrors web/src/call/types.ts InboundAudioStat (`window.__huddle.inboundAudio()`). */
export interface InboundAudio {
  user: string;
  packetsReceived: number;
  paused: boolean;
}

/** Mirrors web/src/call/types.ts OutboundVideoStat (`window.__huddle.outboundVideo()`). */
export interface OutboundVideo {
  source: "camera" | "screen";
  layers: number;
  frameHeight: number;
  sourceHeight: number;
  /** SFU: whether each encoding (lowest first) is on. */
  active?: boolean[];
}

declare global {
  interface Window {
    __huddle?: {
      mode: () => string | null;
      inboundVideo: () => Promise<InboundVideo[]>;
      outboundVideo: () => Promise<OutboundVideo[]>;
      inboundAudio: () => Promise<InboundAudio[]>;
      producers: () => Partial<Record<"microphone" | "camera" | "screen", string>>;
      visibleTiles?: () => readonly string[] | null;
    };
  }
}

/**
 * The address of a server this suite needs, from the variable `tests/e2e/run.ts` sets. When it
 * is missing (the suite was started some other way, or run.ts could not start that server) this
 * throws, so the suite fails with the reason instead of passing green without running.
 */
export function requiredServer(variable: string, reason?: string): string {
  const value = process.env[variable];
  if (value !== undefined && value !== "") return value;
  const why = reason === undefined ? "" : ` (${reason})`;
  throw new Error(
    `${variable} is not set${why}: run the browser suites through \`npm run test:e2e\`, which starts their servers`,
  );
}

export interface OpenOptions {
  microphone?: boolean;
  camera?: boolean;
  viewport?: { width: number; height: number };
  /** Open the room's lobby right away (default); false leaves the page blank for the caller. */
  navigate?: boolean;
  /** The camera capture size setting, as a returning user chose it (default: the client's). */
  resolution?: "360p" | "720p";
  /** Device pixels per CSS pixel (default 1). */
  deviceScaleFactor?: number;
}

/** One participant: a browser context with one page of the web client. */
export class CallPage {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly consoleErrors: string[] = [];
  /** The client's own warnings (`huddle: ...`): every problem the call ran into, shown or not. */
  readonly warnings: string[] = [];

  private constructor(name: string, context: BrowserContext, page: Page) {
    this.name = name;
    this.context = context;
    this.page = page;
    page.on("console", (message) => {
      if (message.type() === "error") this.consoleErrors.push(message.text());
      else if (message.type() === "warning" && message.text().startsWith("huddle:")) this.warnings.push(message.text());
    });
    page.on("pageerror", (error) => this.consoleErrors.push(String(error)));
  }

  /** Opens the lobby of `room` with the microphone and camera preferences already chosen. */
  static async open(browser: Browser, baseUrl: string, room: string, name: string, options: OpenOptions = {}) {
    const context = await browser.newContext({
      viewport: options.viewport ?? { width: 1280, height: 720 },
      ...(options.deviceScaleFactor === undefined ? {} : { deviceScaleFactor: options.deviceScaleFactor }),
    });
    const prefs = {
      microphone: options.microphone === true ? "on" : "off",
      camera: options.camera === false ? "off" : "on",
      resolution: options.resolution ?? null,
    };
    // The lobby remembers these choices in localStorage; set them as a returning user would have.
    await context.addInitScript((p: { microphone: string; camera: string; resolution: string | null }) => {
      localStorage.setItem("huddle.microphone", p.microphone);
      localStorage.setItem("huddle.camera", p.camera);
      if (p.resolution !== null) localStorage.setItem("huddle.resolution", p.resolution);
    }, prefs);
    const page = await context.newPage();
    if (options.navigate !== false) await page.goto(`${baseUrl}/?room=${encodeURIComponent(room)}`);
    return new CallPage(name, context, page);
  }

  /** Fills the name and presses "Join call"; resolves once the call view is up (or the lobby shows an error). */
  async submitJoin(): Promise<void> {
    await this.page.getByLabel("Your name").fill(this.name);
    await this.page.getByRole("button", { name: "Join call" }).click();
  }

  async join(): Promise<void> {
    await this.submitJoin();
    await this.page.getByRole("status").filter({ hasText: "Connected" }).waitFor({ timeout: 30_000 });
  }

  joinError(): Locator {
    return this.page.getByTestId("join-error");
  }

  tile(user: string, source: "camera" | "screen" = "camera"): Locator {
    return this.page.locator(`article.tile[data-user="${user}"][data-source="${source}"]`);
  }

  mode(): Promise<string | null> {
    return this.page.evaluate(() => window.__huddle?.mode() ?? null);
  }

  inboundVideo(): Promise<InboundVideo[]> {
    return this.page.evaluate(() => window.__huddle?.inboundVideo() ?? Promise.resolve([]));
  }

  outboundVideo(): Promise<OutboundVideo[]> {
    return this.page.evaluate(() => window.__huddle?.outboundVideo() ?? Promise.resolve([]));
  }

  inboundAudio(): Promise<InboundAudio[]> {
    return this.page.evaluate(() => window.__huddle?.inboundAudio() ?? Promise.resolve([]));
  }

  /** Our SFU producer ids per source (empty in the mesh). */
  producers(): Promise<Partial<Record<"microphone" | "camera" | "screen", string>>> {
    return this.page.evaluate(() => window.__huddle?.producers() ?? {});
  }

  async framesFrom(user: string, source: "camera" | "screen"): Promise<number> {
    const stats = await this.inboundVideo();
    return stats.find((s) => s.user === user && s.source === source)?.framesDecoded ?? 0;
  }

  /**
   * Waits until video from each of `users` is being decoded here: `framesDecoded` above zero,
   * then higher again a moment later (decoding is ongoing, not a single stray frame).
   */
  async expectDecoding(users: string[], source: "camera" | "screen" = "camera", timeoutMs = 45_000) {
    const first = new Map<string, number>();
    for (const user of users) {
      let last: InboundVideo[] = [];
      const frames = await waitFor(
        `${this.name} to decode ${source} video from ${user}`,
        async () => {
          last = await this.inboundVideo();
          const found = last.find((s) => s.user === user && s.source === source)?.framesDecoded ?? 0;
          return found > 0 ? found : undefined;
        },
        timeoutMs,
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; inbound video here: ${JSON.stringify(last)}`);
      });
      first.set(user, frames);
    }
    const rising = new Map<string, [number, number]>();
    for (const user of users) {
      const before = first.get(user) ?? 0;
      const after = await waitFor(
        `${this.name}'s framesDecoded from ${user} (${source}) to rise above ${before}`,
        async () => {
          const frames = await this.framesFrom(user, source);
          return frames > before ? frames : undefined;
        },
        15_000,
      );
      rising.set(user, [before, after]);
    }
    return rising;
  }

  chatInput(): Locator {
    return this.page.getByRole("textbox", { name: "Message" });
  }

  async sendChat(text: string): Promise<void> {
    await this.openChat();
    const input = this.chatInput();
    await input.fill(text);
    await input.press("Enter");
  }

  chatMessage(text: string): Locator {
    return this.page.locator("li.chat-message").filter({ hasText: text });
  }

  async openChat(): Promise<void> {
    if (!(await this.chatInput().isVisible())) {
      await this.page.getByRole("button", { name: "Chat" }).click();
    }
  }

  control(label: string): Locator {
    return this.page.getByRole("button", { name: label, exact: true });
  }

  /** Closes the page, printing the client's warnings first (what went wrong in the call, if anything). */
  async close(): Promise<void> {
    if (this.warnings.length > 0) console.warn(`[e2e] ${this.name}'s warnings:\n  ${this.warnings.join("\n  ")}`);
    await this.context.close().catch(() => {});
  }
}
