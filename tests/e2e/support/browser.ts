import { type Browser, chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.HUDDLE_CHROMIUM ?? "/usr/bin/chromium";

/** Flags from docs/architecture: fake devices, no background traffic, ICE on loopback. */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--use-fake-device-for-media-stream",
  "--allow-loopback-in-peer-connection",
  // Hidden or background pages must keep decoding and running timers at full rate.
  "--disable-background-timer-throttling",
  "--disable-renderer-backgrounding",
  "--disable-backgrounding-occluded-windows",
];

/**
 * Headless Chromium with fake camera and microphone. `mediaPrompt: "accept"` answers every
 * camera, microphone and screen prompt with yes (the fake UI); `"deny"` leaves prompts to
 * headless Chromium, which refuses them (a person who blocks access).
 */
export function launchChromium(mediaPrompt: "accept" | "deny" = "accept"): Promise<Browser> {
  const args = mediaPrompt === "accept" ? [...CHROMIUM_ARGS, "--use-fake-ui-for-media-stream"] : CHROMIUM_ARGS;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
}
