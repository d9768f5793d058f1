/**
 * The person's device and audio choices, remembered in this browser (localStorage) so the next
 * lobby and call start with them. Storage may be unavailable (private mode): then the choices
 * last for this page only.
 */

/** Camera capture sizes offered in the settings (16:9; `height` names the option). */
export const CAMERA_RESOLUTIONS = {
  "360p": { width: 640, height: 360 },
  "720p": { width: 1280, height: 720 },
  "1080p": { width: 1920, height: 1080 },
} as const;
export type CameraResolution = keyof typeof CAMERA_RESOLUTIONS;

export function isCameraResolution(value: string): value is CameraResolution {
  return Object.hasOwn(CAMERA_RESOLUTIONS, value);
}

export interface MediaPreferences {
  microphoneId: string | null;
  cameraId: string | null;
  /** Where remote audio plays (`setSinkId`); null: the system default. */
  speakerId: string | null;
  resolution: CameraResolution;
  /** RNNoise between the microphone and what is sent. */
  noiseSuppression: boolean;
  /** The browser's own processing (getUserMedia constraints). */
  browserNoiseSuppression: boolean;
  echoCancellation: boolean;
}

const KEYS: Record<keyof MediaPreferences, string> = {
  microphoneId: "huddle.microphoneId",
  cameraId: "huddle.cameraId",
  speakerId: "huddle.speakerId",
  resolution: "huddle.resolution",
  noiseSuppression: "huddle.noiseSuppression",
  browserNoiseSuppression: "huddle.browserNoiseSuppression",
  echoCancellation: "huddle.echoCancellation",
};

function read(key: keyof MediaPreferences): string | null {
  try {
    return localStorage.getItem(KEYS[key]);
  } catch {
    return null;
  }
}

/** What was chosen before, with defaults for what never was (browser processing on, RNNoise off, 360p). */
export function loadPreferences(): MediaPreferences {
  const resolution = read("resolution") ?? "";
  return {
    microphoneId: read("microphoneId"),
    cameraId: read("cameraId"),
    speakerId: read("speakerId"),
    resolution: isCameraResolution(resolution) ? resolution : "360p",
    noiseSuppression: read("noiseSuppression") === "on",
    browserNoiseSuppression: read("browserNoiseSuppression") !== "off",
    echoCancellation: read("echoCancellation") !== "off",
  };
}

export function savePreference<K extends keyof MediaPreferences>(key: K, value: MediaPreferences[K]): void {
  try {
    if (value === null) localStorage.removeItem(KEYS[key]);
    else if (typeof value === "boolean") localStorage.setItem(KEYS[key], value ? "on" : "off");
    else localStorage.setItem(KEYS[key], value);
  } catch {
    // not remembered
  }
}
