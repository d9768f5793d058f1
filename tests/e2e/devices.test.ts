import type { Browser, Locator } from "playwright-core";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ENGLISH, launchChromium } from "./support/browser.ts";
import { CallPage, requiredServer, waitFor } from "./support/call-page.ts";

// In-call settings, in a real call of two Chromium pages whose fake capture offers several cameras
// and microphones (`device-count=3`: Chromium's second fake camera delivers Y16 depth frames,
// which a page can show but WebRTC cannot encode; the third is MJPEG, which it can): Alice switches devices, camera quality and noise suppression mid-call;
// Bob must keep receiving her through every switch, and see no leave or join.

const EDGES = {
  sfu: () => requiredServer("HUDDLE_E2E_SFU_URL", process.env.HUDDLE_E2E_SFU_UNAVAILABLE),
  mesh: () => requiredServer("HUDDLE_E2E_MESH_URL"),
} as const;

declare global {
  interface Window {
    /** Every toast Bob's page showed (recorded by the test: a leave or join would be one). */
    __toasts?: string[];
  }
}

/**
 * Samples `sample` until `stop()` (a sampler, not a sleep: each sample waits on the page).
 * The figures must never fall: a new consumer or receiver behind the tile would start from 0.
 */
function watch(sample: () => Promise<number>) {
  const figures: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      figures.push(await sample());
      await new Promise((resolve) => setTimeout(resolve, 100)); // the sampling rate
    }
  })();
  return {
    figures,
    async stop(): Promise<number[]> {
      running = false;
      await done;
      return figures;
    },
  };
}

function expectNeverFalls(figures: number[], what: string): void {
  for (let i = 1; i < figures.length; i++) {
    if ((figures[i] ?? 0) < (figures[i - 1] ?? 0)) {
      throw new Error(`${what} fell from ${figures[i - 1]} to ${figures[i]}: ${figures.join(", ")}`);
    }
  }
}

for (const mode of ["sfu", "mesh"] as const) {
  describe(`in-call settings (${mode})`, () => {
    let browser: Browser | undefined;
    let alice: CallPage;
    let bob: CallPage;
    const wasmRequests: { url: string; status: number }[] = [];

    const audioFrom = async (page: CallPage, user: string) =>
      (await page.inboundAudio()).find((a) => a.user === user)?.packetsReceived ?? 0;
    const aliceCamera = async () => (await alice.outboundVideo()).find((s) => s.source === "camera");
    const settings = () => alice.page.getByRole("dialog", { name: "Settings" });
    const select = (label: string): Locator => settings().getByLabel(label, { exact: true });

    /** Switches a device picker to its other option; resolves with the device id chosen. */
    const switchTo = async (label: string): Promise<string> => {
      const picker = select(label);
      const current = await picker.inputValue();
      const options = await picker
        .locator("option")
        .evaluateAll((els) => els.map((el) => (el as HTMLOptionElement).value));
      // Another real device, the last one listed (see above); not the browser's "default" entry.
      const other = options.filter((value) => value !== "" && value !== "default" && value !== current).at(-1);
      if (other === undefined) throw new Error(`${label}: only ${JSON.stringify(options)} to choose from`);
      await picker.selectOption(other);
      return other;
    };

    /** Bob keeps decoding Alice's camera and receiving her audio while `change` happens. */
    const throughSwitch = async (what: string, change: () => Promise<void>) => {
      const video = watch(() => bob.framesFrom("Alice", "camera"));
      const audio = watch(() => audioFrom(bob, "Alice"));
      await change();
      const frames = video.figures.at(-1) ?? 0;
      const packets = audio.figures.at(-1) ?? 0;
      // After the switch is done here, more frames and packets arrive at Bob.
      await waitFor(`Bob to decode Alice's video after ${what}`, async () =>
        (await bob.framesFrom("Alice", "camera")) > frames + 10 ? true : undefined,
      );
      await waitFor(`Bob to receive Alice's audio after ${what}`, async () =>
        (await audioFrom(bob, "Alice")) > packets + 10 ? true : undefined,
      );
      expectNeverFalls(await video.stop(), `Bob's framesDecoded from Alice during ${what}`);
      expectNeverFalls(await audio.stop(), `Bob's audio packets from Alice during ${what}`);
    };

    beforeAll(async () => {
      const edgeUrl = EDGES[mode]();
      browser = await launchChromium("accept", ENGLISH, { fakeDevices: 3 });
      const room = `devices-${mode}-${Date.now().toString(36)}`;
      alice = await CallPage.open(browser, edgeUrl, room, "Alice", { microphone: true });
      bob = await CallPage.open(browser, edgeUrl, room, "Bob");
      alice.page.on("requestfinished", async (request) => {
        if (!request.url().endsWith(".wasm")) return;
        wasmRequests.push({ url: request.url(), status: (await request.response())?.status() ?? 0 });
      });
      await alice.join();
      await bob.join();
      expect(await alice.mode()).toBe(mode);
      await bob.expectDecoding(["Alice"]);
      await waitFor("Bob to receive Alice's audio", async () =>
        (await audioFrom(bob, "Alice")) > 0 ? true : undefined,
      );
      // Every toast Bob sees from now on is recorded: someone leaving or joining would show one.
      await bob.page.evaluate(() => {
        const seen: string[] = [];
        window.__toasts = seen;
        const toasts = document.querySelector(".toasts");
        if (toasts === null) throw new Error("no toast area");
        new MutationObserver((changes) => {
          for (const change of changes) {
            for (const node of change.addedNodes) seen.push(node.textContent ?? "");
          }
        }).observe(toasts, { childList: true });
      });
    });

    afterAll(async () => {
      for (const page of [alice, bob]) {
        if (page !== undefined && page.consoleErrors.length > 0)
          console.warn(`[e2e] ${page.name}'s console errors:\n  ${page.consoleErrors.join("\n  ")}`);
        await page?.close();
      }
      await browser?.close();
    });

    test("the settings dialog opens from the controls, traps the focus, and Escape closes it", async () => {
      const button = alice.control("Settings");
      await button.click();
      await settings().waitFor();
      for (const label of ["Microphone", "Camera", "Speaker", "Camera quality"]) {
        await expect.poll(() => select(label).count()).toBe(1);
      }
      // The lobby's devices carried over: the pickers show the devices in use.
      expect(await select("Camera").inputValue()).not.toBe("");
      expect(await select("Microphone").inputValue()).not.toBe("");
      // Tab never leaves the dialog.
      for (let i = 0; i < 14; i++) {
        await alice.page.keyboard.press("Tab");
        expect(await settings().evaluate((dialog) => dialog.contains(document.activeElement))).toBe(true);
      }
      await alice.page.keyboard.press("Escape");
      await settings().waitFor({ state: "detached" });
      expect(await button.evaluate((el) => el === document.activeElement)).toBe(true);
    });

    test("switching camera and microphone keeps Bob receiving, with no leave or join and the same producers", async () => {
      const producersBefore = await alice.producers();
      if (mode === "sfu") expect(Object.keys(producersBefore).sort()).toEqual(["camera", "microphone"]);
      await alice.control("Settings").click();
      await settings().waitFor();

      const cameraBefore = await select("Camera").inputValue();
      await throughSwitch("the camera switch", async () => {
        const chosen = await switchTo("Camera");
        await expect.poll(() => select("Camera").inputValue(), { timeout: 15_000 }).toBe(chosen);
      });
      expect(await select("Camera").inputValue()).not.toBe(cameraBefore);

      const microphoneBefore = await select("Microphone").inputValue();
      await throughSwitch("the microphone switch", async () => {
        const chosen = await switchTo("Microphone");
        await expect.poll(() => select("Microphone").inputValue(), { timeout: 15_000 }).toBe(chosen);
      });
      expect(await select("Microphone").inputValue()).not.toBe(microphoneBefore);

      expect(await alice.producers()).toEqual(producersBefore);
      await expect(settings().getByTestId("settings-error").count()).resolves.toBe(0);
      // Bob saw no one leave or join, and still has Alice's tile.
      const toasts = await bob.page.evaluate(() => window.__toasts ?? []);
      expect(toasts.filter((text) => /\b(left|joined)\b/.test(text))).toEqual([]);
      expect(await bob.tile("Alice").count()).toBe(1);
      // The choice is remembered for the next call.
      expect(await alice.page.evaluate(() => localStorage.getItem("huddle.cameraId"))).toBe(
        await select("Camera").inputValue(),
      );
    });

    test("noise suppression (RNNoise, bundled wasm) turns on and off without breaking Alice's audio", async () => {
      const producersBefore = await alice.producers();
      const toggle = settings().getByRole("checkbox", { name: "Noise suppression" });
      expect(await toggle.isChecked()).toBe(false);
      await throughSwitch("noise suppression on", async () => {
        await toggle.check();
        await expect.poll(() => toggle.getAttribute("data-active"), { timeout: 15_000 }).toBe("on");
      });
      // The wasm came from the app's own origin (bundled into web/dist), not from anywhere else.
      const origin = new URL(alice.page.url()).origin;
      expect(wasmRequests.length).toBeGreaterThan(0);
      for (const request of wasmRequests) {
        expect(new URL(request.url).origin).toBe(origin);
        expect(request.status).toBe(200);
      }
      expect(await alice.page.evaluate(() => localStorage.getItem("huddle.noiseSuppression"))).toBe("on");
      await throughSwitch("noise suppression off", async () => {
        await toggle.uncheck();
        await expect.poll(() => toggle.getAttribute("data-active"), { timeout: 15_000 }).toBe("off");
      });
      expect(await alice.producers()).toEqual(producersBefore);
      await expect(settings().getByTestId("settings-error").count()).resolves.toBe(0);
    });

    test("the camera quality preference changes the height Alice sends", async () => {
      const producersBefore = await alice.producers();
      const quality = select("Camera quality");
      expect(await quality.inputValue()).toBe("360p");
      await expect.poll(async () => (await aliceCamera())?.sourceHeight, { timeout: 15_000 }).toBe(360);
      await throughSwitch("the change to 720p", async () => {
        await quality.selectOption("720p");
        await expect.poll(async () => (await aliceCamera())?.sourceHeight, { timeout: 15_000 }).toBe(720);
      });
      // The encoder follows: frames taller than any 360p capture could give.
      await expect.poll(async () => (await aliceCamera())?.frameHeight ?? 0, { timeout: 20_000 }).toBeGreaterThan(360);
      expect(await alice.page.evaluate(() => localStorage.getItem("huddle.resolution"))).toBe("720p");
      await quality.selectOption("360p");
      await expect.poll(async () => (await aliceCamera())?.sourceHeight, { timeout: 15_000 }).toBe(360);
      await expect
        .poll(async () => (await aliceCamera())?.frameHeight ?? 0, { timeout: 20_000 })
        .toBeLessThanOrEqual(360);
      expect(await alice.producers()).toEqual(producersBefore);
      const toasts = await bob.page.evaluate(() => window.__toasts ?? []);
      expect(toasts.filter((text) => /\b(left|joined)\b/.test(text))).toEqual([]);
    });
  });
}
