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

/** The browser's languages, most preferred first; every suite runs in English unless it says otherwise. */
export const ENGLISH = ["en-US", "en"] as const;

/**
 * Headless Chromium with fake camera and microphone, speaking `languages` (its UI language and
 * `navigator.languages`, which the client picks its language from). `mediaPrompt: "accept"` answers every
 * camera, microphone and screen prompt with yes (the fake UI); `"deny"` leaves prompts to
 * headless Chromium, which refuses them (a person who blocks access).
 */
export function launchChromium(
  mediaPrompt: "accept" | "deny" = "accept",
  languages: readonly string[] = ENGLISH,
  options: LaunchOptions = {},
): Promise<Browser> {
  const args = [...CHROMIUM_ARGS, `--lang=${languages[0] ?? "en-US"}`, `--accept-lang=${languages.join(",")}`].map(
    (arg) =>
      arg === "--use-fake-device-for-media-stream" && options.fakeDevices !== undefined
        ? `${arg}=device-count=${options.fakeDevices}`
        : arg,
  );
  if (mediaPrompt === "accept") args.push("--use-fake-ui-for-media-stream");
  args.push(...(options.extraArgs ?? []));
  return chromium.launch({ executablePath: CHROMIUM_PATH, args, headless: true });
}

export interface LaunchOptions {
  /** How many fake cameras and microphones to offer (Chromium's default is one of each). */
  fakeDevices?: number;
  /** More Chromium flags (e.g. `--use-file-for-fake-audio-capture=speech.wav`). */
  extraArgs?: string[];
}
