import { Emitter } from "../events.ts";
import type { MediaFlags, SourceTracks } from "./types.ts";

/** Why local media could not start, in words a person can act on. */
export type MediaProblem = "denied" | "not-found" | "in-use" | "unsupported" | "failed";

export const MEDIA_PROBLEM_TEXT: Record<MediaProblem, string> = {
  denied:
    "Camera and microphone access was denied. Allow it in your browser's site settings and try again, or join without them.",
  "not-found": "No camera or microphone was found. You can still join and use the chat.",
  "in-use": "Your camera or microphone is in use by another application.",
  unsupported: "This browser cannot capture media here (a secure https:// page is required).",
  failed: "The camera or microphone could not be started.",
};

export class MediaError extends Error {
  readonly problem: MediaProblem;
  constructor(problem: MediaProblem, cause?: unknown) {
    super(MEDIA_PROBLEM_TEXT[problem], { cause });
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

/** Camera capture settings: modest, so a mesh of a few people fits on ordinary machines. */
const CAMERA_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
};
const SCREEN_CONSTRAINTS: MediaTrackConstraints = { frameRate: { ideal: 15, max: 15 } };

interface LocalMediaEvents extends Record<string, unknown[]> {
  /** Any track, flag or device list changed (what the lobby's preview and pickers show). */
  change: [];
  /** The screen share stopped from outside the app (the browser's "Stop sharing" button). */
  "screen-ended": [];
}

/**
 * The local participant's microphone, camera and screen: acquiring, muting, switching
 * devices, stopping. The lobby preview and the call share one instance, so joining does not
 * open the camera twice. The microphone stays open while muted (instant unmute); a camera
 * that is turned off is released (its light goes out). Each switch resolves with the track
 * to send for its source now, which the call hands to its media engine.
 */
export class LocalMedia extends Emitter<LocalMediaEvents> {
  microphone: MediaStreamTrack | null = null;
  microphoneEnabled = true;
  camera: MediaStreamTrack | null = null;
  screen: MediaStreamTrack | null = null;
  microphoneId: string | null = null;
  cameraId: string | null = null;
  devices: MediaDeviceInfo[] = [];
  problem: MediaError | null = null;
  #closed = false;
  #onDeviceChange = () => void this.refreshDevices();

  constructor() {
    super();
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
      microphone: this.microphoneEnabled ? this.microphone : null,
      camera: this.camera,
      screen: this.screen,
    };
  }

  /** Opens what is asked for in one prompt. Failures are kept in `problem` and rethrown. */
  async start(want: { microphone: boolean; camera: boolean }): Promise<void> {
    this.microphoneEnabled = want.microphone;
    if (!want.microphone && !want.camera) return;
    const stream = await this.#getUserMedia({
      audio: want.microphone ? this.#audioConstraints() : false,
      video: want.camera ? this.#videoConstraints() : false,
    });
    this.#adopt(stream);
    await this.refreshDevices();
  }

  /** Resolves with the microphone track to send now (null while muted). */
  async setMicrophoneEnabled(enabled: boolean): Promise<MediaStreamTrack | null> {
    if (enabled && this.microphone === null) {
      this.#adopt(await this.#getUserMedia({ audio: this.#audioConstraints() }));
    }
    this.microphoneEnabled = enabled;
    if (this.microphone !== null) this.microphone.enabled = enabled;
    this.emit("change");
    return this.sending.microphone;
  }

  /** Resolves with the camera track (null once turned off). */
  async setCameraEnabled(enabled: boolean): Promise<MediaStreamTrack | null> {
    if (enabled) {
      if (this.camera === null) this.#adopt(await this.#getUserMedia({ video: this.#videoConstraints() }));
    } else if (this.camera !== null) {
      this.camera.stop();
      this.camera = null;
    }
    this.emit("change");
    return this.camera;
  }

  async selectMicrophone(deviceId: string): Promise<void> {
    this.microphoneId = deviceId;
    if (this.microphone === null) {
      this.emit("change");
      return;
    }
    const next = await this.#getUserMedia({ audio: this.#audioConstraints() });
    this.microphone.stop();
    this.microphone = null;
    this.#adopt(next);
  }

  async selectCamera(deviceId: string): Promise<void> {
    this.cameraId = deviceId;
    if (this.camera === null) {
      this.emit("change");
      return;
    }
    this.camera.stop();
    this.camera = null;
    this.#adopt(await this.#getUserMedia({ video: this.#videoConstraints() }));
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
    for (const track of [this.microphone, this.camera, this.screen]) track?.stop();
    this.microphone = null;
    this.camera = null;
    this.screen = null;
    this.emit("change");
    this.removeAllListeners();
  }

  #audioConstraints(): MediaTrackConstraints {
    const base: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
    return this.microphoneId ? { ...base, deviceId: { exact: this.microphoneId } } : base;
  }

  #videoConstraints(): MediaTrackConstraints {
    return this.cameraId ? { ...CAMERA_CONSTRAINTS, deviceId: { exact: this.cameraId } } : CAMERA_CONSTRAINTS;
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

  #adopt(stream: MediaStream): void {
    if (this.#closed) {
      for (const track of stream.getTracks()) track.stop();
      return;
    }
    for (const track of stream.getTracks()) {
      const settings = track.getSettings();
      if (track.kind === "audio") {
        this.microphone?.stop();
        this.microphone = track;
        track.enabled = this.microphoneEnabled;
        this.microphoneId = settings.deviceId ?? this.microphoneId;
      } else {
        this.camera?.stop();
        this.camera = track;
        this.cameraId = settings.deviceId ?? this.cameraId;
      }
    }
    this.emit("change");
  }
}
