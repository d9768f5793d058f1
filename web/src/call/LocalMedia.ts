import { Emitter } from "../events.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import {
  CAMERA_RESOLUTIONS,
  type CameraResolution,
  loadPreferences,
  type MediaPreferences,
  savePreference,
} from "./mediaPreferences.ts";
import { NoiseSuppressor } from "./NoiseSuppressor.ts";
import type { MediaFlags, SourceTracks } from "./types.ts";

/** Why local media could not start, in words a person can act on. */
export type MediaProblem = "denied" | "not-found" | "in-use" | "unsupported" | "failed";

const MEDIA_PROBLEM_KEY: Record<MediaProblem, MessageKey> = {
  denied: "media.problem.denied",
  "not-found": "media.problem.notFound",
  "in-use": "media.problem.inUse",
  unsupported: "media.problem.unsupported",
  failed: "media.problem.failed",
};

/** What to tell the person about a media problem, in the current language (called while rendering). */
export function mediaProblemText(problem: MediaProblem): string {
  return t(MEDIA_PROBLEM_KEY[problem]);
}

export class MediaError extends Error {
  readonly problem: MediaProblem;
  constructor(problem: MediaProblem, cause?: unknown) {
    super(mediaProblemText(problem), { cause });
    this.name = "MediaError";
    this.problem = problem;
  }
}

function toMediaError(error: unknown): MediaError {
  if (error instanceof MediaError) return error;
  const name = error instanceof DOMException ? error.name : "";
  if (name === "NotAllowedError" || name === "SecurityError") return new MediaError("denied", error);
  if (name === "NotFoundError" || name === "OverconstrainedError") return new MediaError("not-found", error);
  if (name === "NotReadableError" || name === "AbortError") return new MediaError("in-use", error);
  return new MediaError("failed", error);
}

/** Camera frame rate: modest, so a mesh of a few people fits on ordinary machines (the size is a preference). */
const CAMERA_FRAME_RATE: ConstrainDouble = { ideal: 24, max: 30 };
const SCREEN_CONSTRAINTS: MediaTrackConstraints = { frameRate: { ideal: 15, max: 15 } };

/**
 * Sends a new track of a source in place of the old one (the call's engine: the same producer
 * or sender); a switch stops the old track only once this resolves. Outside a call: nothing.
 */
export type HandOver = (track: MediaStreamTrack | null) => Promise<void>;
const NO_HAND_OVER: HandOver = async () => {};

/** A microphone or camera: the sources that come from a device the person picks. */
export type DeviceSource = "microphone" | "camera";

interface LocalMediaEvents extends Record<string, unknown[]> {
  /** Any track, flag, preference or device list changed (what the pickers and previews show). */
  change: [];
  /** The screen share stopped from outside the app (the browser's "Stop sharing" button). */
  "screen-ended": [];
  /**
   * The device in use went away (unplugged, or its track ended): `fallback` is the track of the
   * device used instead, or null when none could be opened. What is sent must follow.
   */
  "device-lost": [source: DeviceSource, fallback: MediaStreamTrack | null];
}

/** Whether this browser can choose where audio plays (`HTMLMediaElement.setSinkId`). */
export function speakerSelectionSupported(): boolean {
  return typeof HTMLMediaElement !== "undefined" && "setSinkId" in HTMLMediaElement.prototype;
}

/** Whether getUserMedia lets the page turn this processing of the browser on and off. */
export function browserProcessingSupported(which: "noiseSuppression" | "echoCancellation"): boolean {
  return navigator.mediaDevices?.getSupportedConstraints?.()[which] === true;
}

/**
 * The local participant's microphone, camera and screen: acquiring, muting, switching
 * devices and capture settings, stopping. The lobby preview and the call share one instance,
 * so joining does not open the camera twice and the lobby's choices carry over. The
 * microphone stays open while muted (instant unmute); a camera that is turned off is
 * released (its light goes out). Each switch resolves with the track to send for its source
 * now, which the call hands to its media engine (which replaces the track it sends: the same
 * producer or sender, so the others see no leave and join). Device choices and audio
 * processing are remembered (`mediaPreferences`).
 *
 * With noise suppression on, the microphone goes through RNNoise (`NoiseSuppressor`) and
 * what is sent is its output; `microphone` stays the raw device track.
 */
export class LocalMedia extends Emitter<LocalMediaEvents> {
  microphone: MediaStreamTrack | null = null;
  microphoneEnabled = true;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  microphoneId: string | null;
  cameraId: string | null;
  /** Where remote audio plays (null: the system default). */
  speakerId: string | null;
  resolution: CameraResolution;
  /** RNNoise wanted (it runs while a microphone is open). */
  noiseSuppression: boolean;
  browserNoiseSuppression: boolean;
  echoCancellation: boolean;
  /** RNNoise was wanted but could not start in this browser (the microphone is sent as it is). */
  noiseSuppressionFailed = false;
  devices: MediaDeviceInfo[] = [];
  problem: MediaError | null = null;
  #suppressor: NoiseSuppressor | null = null;
  /** Device switches run one at a time, in order (a fast second pick waits for the first). */
  #switches: Promise<unknown> = Promise.resolve();
  #closed = false;
  #onDeviceChange = () => void this.#devicesChanged();

  constructor(preferences: MediaPreferences = loadPreferences()) {
    super();
    this.microphoneId = preferences.microphoneId;
    this.cameraId = preferences.cameraId;
    this.speakerId = preferences.speakerId;
    this.resolution = preferences.resolution;
    this.noiseSuppression = preferences.noiseSuppression;
    this.browserNoiseSuppression = preferences.browserNoiseSuppression;
    this.echoCancellation = preferences.echoCancellation;
    navigator.mediaDevices?.addEventListener("devicechange", this.#onDeviceChange);
  }

  /** What the rest of the room should show for us. */
  get flags(): MediaFlags {
    return {
      microphone: this.microphone !== null && this.microphoneEnabled,
      camera: this.camera !== null,
      screen: this.screen !== null,
    };
  }

  /** The tracks the call should send right now (a muted microphone sends nothing). */
  get sending(): SourceTracks {
    return {
      microphone: this.microphoneEnabled ? (this.#suppressor?.output ?? this.microphone) : null,
      camera: this.camera,
      screen: this.screen,
    };
  }

  /** Whether RNNoise is processing the microphone now. */
  get noiseSuppressionActive(): boolean {
    return this.#suppressor !== null;
  }

  /** Opens what is asked for in one prompt. Failures are kept in `problem` and rethrown. */
  async start(want: { microphone: boolean; camera: boolean }): Promise<void> {
    this.microphoneEnabled = want.microphone;
    if (!want.microphone && !want.camera) return;
    // Remembered devices are preferred, not required: one unplugged since opens the default.
    const stream = await this.#getUserMedia({
      audio: want.microphone ? this.#audioConstraints("ideal") : false,
      video: want.camera ? this.#videoConstraints("ideal") : false,
    });
    this.#adopt(stream);
    await this.#startSuppressor().catch(() => {}); // said by noiseSuppressionFailed
    await this.refreshDevices();
  }

  /** Resolves with the microphone track to send now (null while muted). */
  async setMicrophoneEnabled(enabled: boolean): Promise<MediaStreamTrack | null> {
    if (enabled && this.microphone === null) {
      this.#adopt(await this.#getUserMedia({ audio: this.#audioConstraints("ideal") }));
      await this.#startSuppressor().catch(() => {});
    }
    this.microphoneEnabled = enabled;
    if (this.microphone !== null) this.microphone.enabled = enabled;
    this.emit("change");
    return this.sending.microphone;
  }

  /** Resolves with the camera track (null once turned off). */
  async setCameraEnabled(enabled: boolean): Promise<MediaStreamTrack | null> {
    if (enabled) {
      if (this.camera === null) this.#adopt(await this.#getUserMedia({ video: this.#videoConstraints("ideal") }));
    } else if (this.camera !== null) {
      this.camera.stop();
      this.camera = null;
    }
    this.emit("change");
    return this.camera;
  }

  /**
   * Uses another microphone (remembered); resolves with the track to send now. The new one is
   * opened and handed over before the old one stops, so the switch has no gap.
   */
  selectMicrophone(deviceId: string, handOver: HandOver = NO_HAND_OVER): Promise<MediaStreamTrack | null> {
    return this.#serially(async () => {
      this.microphoneId = deviceId;
      savePreference("microphoneId", deviceId);
      if (this.microphone !== null) await this.#reopenMicrophone("exact", handOver);
      this.emit("change");
      return this.sending.microphone;
    });
  }

  /** Uses another camera (remembered); resolves with the camera track (null while it is off). */
  selectCamera(deviceId: string, handOver: HandOver = NO_HAND_OVER): Promise<MediaStreamTrack | null> {
    return this.#serially(async () => {
      this.cameraId = deviceId;
      savePreference("cameraId", deviceId);
      if (this.camera !== null) await this.#reopenCamera(handOver, false);
      this.emit("change");
      return this.camera;
    });
  }

  /** Where remote audio plays (remembered; null: the system default). */
  selectSpeaker(deviceId: string | null): void {
    this.speakerId = deviceId;
    savePreference("speakerId", deviceId);
    this.emit("change");
  }

  /**
   * The camera's capture size (remembered). A smaller size is applied to the running track
   * (`applyConstraints`); a size the running capture cannot give reopens the camera (stopped
   * first: the browser would give a second track of an open camera the same capture).
   */
  setResolution(resolution: CameraResolution, handOver: HandOver = NO_HAND_OVER): Promise<MediaStreamTrack | null> {
    return this.#serially(async () => {
      this.resolution = resolution;
      savePreference("resolution", resolution);
      const camera = this.camera;
      if (camera !== null) {
        const { width, height } = CAMERA_RESOLUTIONS[resolution];
        const applied = await camera
          .applyConstraints({ width: { ideal: width }, height: { ideal: height }, frameRate: CAMERA_FRAME_RATE })
          .then(
            () => camera.getSettings().height === height,
            () => false,
          );
        if (!applied && this.camera === camera) await this.#reopenCamera(handOver, true);
      }
      this.emit("change");
      return this.camera;
    });
  }

  /**
   * RNNoise on or off (remembered); resolves with the microphone track to send now. Rejects
   * when it cannot run in this browser (the preference is then off again).
   */
  setNoiseSuppression(on: boolean, handOver: HandOver = NO_HAND_OVER): Promise<MediaStreamTrack | null> {
    return this.#serially(async () => {
      this.noiseSuppression = on;
      this.noiseSuppressionFailed = false;
      savePreference("noiseSuppression", on);
      try {
        if (on) await this.#startSuppressor();
        else {
          // The raw microphone is sent again before RNNoise's output stops.
          const suppressor = this.#suppressor;
          this.#suppressor = null;
          if (suppressor !== null) await handOver(this.sending.microphone);
          suppressor?.close();
        }
      } finally {
        this.emit("change");
      }
      return this.sending.microphone;
    });
  }

  /**
   * The browser's own noise suppression or echo cancellation on or off (remembered): an open
   * microphone is opened again with the new constraints. Resolves with the track to send now.
   */
  setBrowserProcessing(
    which: "noiseSuppression" | "echoCancellation",
    on: boolean,
    handOver: HandOver = NO_HAND_OVER,
  ): Promise<MediaStreamTrack | null> {
    return this.#serially(async () => {
      if (which === "noiseSuppression") {
        this.browserNoiseSuppression = on;
        savePreference("browserNoiseSuppression", on);
      } else {
        this.echoCancellation = on;
        savePreference("echoCancellation", on);
      }
      if (this.microphone !== null) await this.#reopenMicrophone("ideal", handOver);
      this.emit("change");
      return this.sending.microphone;
    });
  }

  /** Resolves with the screen track (the one already shared, if any). */
  async startScreen(): Promise<MediaStreamTrack> {
    if (this.screen !== null) return this.screen;
    if (!navigator.mediaDevices?.getDisplayMedia) throw new MediaError("unsupported");
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getDisplayMedia({ video: SCREEN_CONSTRAINTS, audio: false });
    } catch (error) {
      throw toMediaError(error);
    }
    const track = stream.getVideoTracks()[0];
    if (track === undefined) throw new MediaError("failed");
    track.contentHint = "detail";
    track.addEventListener("ended", () => {
      if (this.screen !== track) return;
      this.screen = null;
      this.emit("screen-ended");
      this.emit("change");
    });
    this.screen = track;
    this.emit("change");
    return track;
  }

  stopScreen(): void {
    if (this.screen === null) return;
    this.screen.stop();
    this.screen = null;
    this.emit("change");
  }

  async refreshDevices(): Promise<void> {
    if (this.#closed || !navigator.mediaDevices?.enumerateDevices) return;
    this.devices = await navigator.mediaDevices.enumerateDevices();
    this.emit("change");
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    navigator.mediaDevices?.removeEventListener("devicechange", this.#onDeviceChange);
    this.#stopSuppressor();
    for (const track of [this.microphone, this.camera, this.screen]) track?.stop();
    this.microphone = null;
    this.camera = null;
    this.screen = null;
    this.emit("change");
    this.removeAllListeners();
  }

  #serially<T>(change: () => Promise<T>): Promise<T> {
    const next = this.#switches.then(change);
    this.#switches = next.catch(() => {});
    return next;
  }

  /** A device was plugged in or out: a device in use that is gone falls back to the default one. */
  async #devicesChanged(): Promise<void> {
    await this.refreshDevices();
    const present = (kind: MediaDeviceKind, id: string | null) =>
      id === null || this.devices.some((device) => device.kind === kind && device.deviceId === id);
    // Without permission the list has no ids: nothing can be told missing then.
    const listed = this.devices.some((device) => device.deviceId !== "");
    if (!listed) return;
    if (this.microphone !== null && !present("audioinput", this.microphone.getSettings().deviceId ?? null)) {
      void this.#fallBack("microphone", this.microphone);
    }
    if (this.camera !== null && !present("videoinput", this.camera.getSettings().deviceId ?? null)) {
      void this.#fallBack("camera", this.camera);
    }
  }

  /** `lost` stopped working: the default device of its kind takes over, if there is one. */
  #fallBack(source: DeviceSource, lost: MediaStreamTrack): Promise<void> {
    return this.#serially(async () => {
      if (this.#closed || (source === "microphone" ? this.microphone : this.camera) !== lost) return;
      lost.stop();
      const constraints =
        source === "microphone" ? { audio: this.#audioConstraints("none") } : { video: this.#videoConstraints("none") };
      let fallback: MediaStreamTrack | null = null;
      try {
        this.#adopt(await this.#getUserMedia(constraints));
        fallback = source === "microphone" ? this.microphone : this.camera;
        if (source === "microphone") await this.#startSuppressor().catch(() => {});
      } catch {
        if (source === "microphone") {
          this.microphone = null;
          this.#stopSuppressor();
        } else this.camera = null;
        this.emit("change");
      }
      this.emit("device-lost", source, fallback);
    });
  }

  /** Opens the microphone again with the current choices; the old one stops once the new one is sent. */
  async #reopenMicrophone(device: "exact" | "ideal", handOver: HandOver): Promise<void> {
    const old = this.microphone;
    this.#adopt(await this.#getUserMedia({ audio: this.#audioConstraints(device) }), { keepOld: true });
    await this.#startSuppressor().catch(() => {});
    try {
      await handOver(this.sending.microphone);
    } finally {
      if (old !== this.microphone) old?.stop();
    }
  }

  /**
   * Opens the camera again with the current choices: the new capture is opened and sent before
   * the old one stops. A camera that cannot run twice (in use, or `stopFirst` for a larger
   * size) stops being sent and stops first, then is opened again and sent.
   */
  async #reopenCamera(handOver: HandOver, stopFirst: boolean): Promise<void> {
    const old = this.camera;
    if (!stopFirst) {
      try {
        this.#adopt(await this.#getUserMedia({ video: this.#videoConstraints("exact") }), { keepOld: true });
        try {
          await handOver(this.camera);
        } finally {
          if (old !== this.camera) old?.stop();
        }
        return;
      } catch (error) {
        if (!(error instanceof MediaError) || error.problem !== "in-use") throw error;
      }
    }
    // A sender whose track ended does not take a new one in Chromium: it lets go first.
    await handOver(null);
    old?.stop();
    if (this.camera === old) this.camera = null;
    try {
      this.#adopt(await this.#getUserMedia({ video: this.#videoConstraints("exact") }));
    } finally {
      this.emit("change");
    }
    await handOver(this.camera);
  }

  /** RNNoise on the open microphone, when wanted (started once; a new microphone is fed into it). */
  async #startSuppressor(): Promise<void> {
    const microphone = this.microphone;
    if (!this.noiseSuppression || microphone === null) return;
    if (this.#suppressor !== null) {
      this.#suppressor.setInput(microphone);
      return;
    }
    try {
      const suppressor = await NoiseSuppressor.create(microphone);
      if (this.#closed || this.microphone === null || !this.noiseSuppression) {
        suppressor.close();
        return;
      }
      if (this.microphone !== microphone) suppressor.setInput(this.microphone);
      this.#suppressor = suppressor;
      this.noiseSuppressionFailed = false;
    } catch (error) {
      console.warn("huddle: noise suppression could not start", error);
      this.noiseSuppression = false;
      this.noiseSuppressionFailed = true;
      savePreference("noiseSuppression", false);
      throw error;
    } finally {
      this.emit("change");
    }
  }

  #stopSuppressor(): void {
    this.#suppressor?.close();
    this.#suppressor = null;
  }

  /** `device`: how firmly the chosen device is asked for ("ideal" for remembered ones, "none" for the default). */
  #audioConstraints(device: "exact" | "ideal" | "none"): MediaTrackConstraints {
    const base: MediaTrackConstraints = {
      echoCancellation: this.echoCancellation,
      noiseSuppression: this.browserNoiseSuppression,
      autoGainControl: true,
    };
    if (device === "none" || this.microphoneId === null) return base;
    return { ...base, deviceId: { [device]: this.microphoneId } };
  }

  #videoConstraints(device: "exact" | "ideal" | "none"): MediaTrackConstraints {
    const { width, height } = CAMERA_RESOLUTIONS[this.resolution];
    const base: MediaTrackConstraints = {
      width: { ideal: width },
      height: { ideal: height },
      frameRate: CAMERA_FRAME_RATE,
    };
    if (device === "none" || this.cameraId === null) return base;
    return { ...base, deviceId: { [device]: this.cameraId } };
  }

  async #getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    if (!navigator.mediaDevices?.getUserMedia) {
      this.problem = new MediaError("unsupported");
      this.emit("change");
      throw this.problem;
    }
    try {
      const stream = await navigator.mediaDevices.getUserMedia(constraints);
      this.problem = null;
      return stream;
    } catch (error) {
      this.problem = toMediaError(error);
      this.emit("change");
      throw this.problem;
    }
  }

  /** Takes the stream's tracks as ours; the ones they replace stop, unless `keepOld` (the caller stops them). */
  #adopt(stream: MediaStream, { keepOld = false } = {}): void {
    if (this.#closed) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    for (const track of stream.getTracks()) {
      const settings = track.getSettings();
      if (track.kind === "audio") {
        if (!keepOld) this.microphone?.stop();
        this.microphone = track;
        track.enabled = this.microphoneEnabled;
        this.microphoneId = settings.deviceId ?? this.microphoneId;
        track.addEventListener("ended", () => void this.#fallBack("microphone", track));
      } else {
        if (!keepOld) this.camera?.stop();
        this.camera = track;
        this.cameraId = settings.deviceId ?? this.cameraId;
        track.addEventListener("ended", () => void this.#fallBack("camera", track));
      }
    }
    this.emit("change");
  }
}
