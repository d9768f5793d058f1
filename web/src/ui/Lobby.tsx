import { ROOM_ID_MAX_LENGTH, ROOM_ID_PATTERN, USERNAME_MAX_LENGTH, USERNAME_PATTERN } from "@huddle/protocol";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { type LocalMedia, MediaError } from "../call/LocalMedia.ts";
import type { Room } from "../call/Room.ts";
import type { ClientConfig } from "../config.ts";
import { joinErrorText } from "../signaling/joinErrorText.ts";
import { ControlButton } from "./Controls.tsx";
import { useMediaTrack, useSubscription } from "./hooks.ts";
import { CameraIcon, MicIcon } from "./icons.tsx";
import { initials } from "./VideoTile.tsx";

/** Whether to start with the microphone / camera on (remembered from the last lobby; default on). */
function preference(which: "microphone" | "camera"): boolean {
  try {
    return localStorage.getItem(`huddle.${which}`) !== "off";
  } catch {
    return true;
  }
}

function remember(which: "microphone" | "camera", on: boolean): void {
  try {
    localStorage.setItem(`huddle.${which}`, on ? "on" : "off");
  } catch {
    // Storage may be unavailable (private mode); the choice then lasts for this page only.
  }
}

/** The call code (signaling, protocol schemas, WebRTC) loads while the lobby is on screen. */
const loadRoom = () => import("../call/Room.ts");

interface LobbyProps {
  media: LocalMedia;
  config: Promise<ClientConfig>;
  initialRoom: string;
  initialName: string;
  onJoined: (room: Room) => void;
}

/** Before the call: room and display name, camera and microphone preview, device pickers. */
export function Lobby({ media, config, initialRoom, initialName, onJoined }: LobbyProps) {
  useSubscription(useCallback((notify: () => void) => media.on("change", notify), [media]));
  const [roomId, setRoomId] = useState(initialRoom);
  const [username, setUsername] = useState(initialName);
  const [joining, setJoining] = useState(false);
  const [joinError, setJoinError] = useState<string | null>(null);
  const [starting, setStarting] = useState(true);
  const previewRef = useRef<HTMLVideoElement>(null);
  useMediaTrack(previewRef, media.camera);

  useEffect(() => {
    void loadRoom();
  }, []);

  useEffect(() => {
    media
      .start({ microphone: preference("microphone"), camera: preference("camera") })
      .catch(() => {}) // shown from media.problem
      .finally(() => setStarting(false));
  }, [media]);

  const toggle = async (which: "microphone" | "camera") => {
    try {
      const on = which === "microphone" ? !media.flags.microphone : media.camera === null;
      remember(which, on);
      if (which === "microphone") await media.setMicrophoneEnabled(on);
      else await media.setCameraEnabled(on);
    } catch (error) {
      if (!(error instanceof MediaError)) console.error(error);
    }
  };

  const roomValid = ROOM_ID_PATTERN.test(roomId);
  const nameValid = USERNAME_PATTERN.test(username);

  const join = async (event: Event) => {
    event.preventDefault();
    if (!roomValid || !nameValid || joining) return;
    setJoining(true);
    setJoinError(null);
    let edgeUrl = "the server";
    try {
      const [{ Room }, { edge, iceServers }] = await Promise.all([loadRoom(), config]);
      edgeUrl = edge.url;
      const room = await Room.join({ edgeUrl, roomId, username, media, iceServers });
      try {
        localStorage.setItem("huddle.name", username);
      } catch {
        // not remembered
      }
      onJoined(room);
    } catch (error) {
      setJoinError(joinErrorText(error, roomId, username, edgeUrl));
      setJoining(false);
    }
  };

  const microphones = media.devices.filter((d) => d.kind === "audioinput" && d.deviceId !== "");
  const cameras = media.devices.filter((d) => d.kind === "videoinput" && d.deviceId !== "");
  const previewName = username.trim() === "" ? "?" : initials(username.trim());

  return (
    <main class="lobby">
      <h1 class="brand">
        <span class="brand-mark" aria-hidden="true" />
        Huddle
      </h1>
      <div class="lobby-card">
        <section class="lobby-preview" aria-label="Camera preview">
          <div class="preview">
            <video ref={previewRef} autoplay playsInline muted hidden={media.camera === null} />
            {media.camera === null && (
              <div class="avatar" aria-hidden="true">
                {starting ? "" : previewName}
              </div>
            )}
            {starting && <div class="tile-status">Starting camera…</div>}
            <div class="preview-controls">
              <ControlButton
                label="Mute microphone"
                hint={media.flags.microphone ? "Mute microphone" : "Unmute microphone"}
                pressed={!media.flags.microphone}
                off={!media.flags.microphone}
                onClick={() => void toggle("microphone")}
              >
                <MicIcon off={!media.flags.microphone} />
              </ControlButton>
              <ControlButton
                label="Turn off camera"
                hint={media.camera !== null ? "Turn off camera" : "Turn on camera"}
                pressed={media.camera === null}
                off={media.camera === null}
                onClick={() => void toggle("camera")}
              >
                <CameraIcon off={media.camera === null} />
              </ControlButton>
            </div>
          </div>
          {media.problem !== null && (
            <p class="notice notice-error" role="alert" data-problem={media.problem.problem}>
              {media.problem.message}
            </p>
          )}
          <div class="device-pickers">
            <div class="field">
              <label htmlFor="microphone-select">Microphone</label>
              <select
                id="microphone-select"
                value={media.microphoneId ?? microphones[0]?.deviceId ?? ""}
                disabled={microphones.length === 0}
                onChange={(event) => void media.selectMicrophone(event.currentTarget.value).catch(() => {})}
              >
                {microphones.length === 0 && <option value="">No microphone available</option>}
                {microphones.map((device, i) => (
                  <option key={device.deviceId} value={device.deviceId}>
                    {device.label || `Microphone ${i + 1}`}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label htmlFor="camera-select">Camera</label>
              <select
                id="camera-select"
                value={media.cameraId ?? cameras[0]?.deviceId ?? ""}
                disabled={cameras.length === 0}
                onChange={(event) => void media.selectCamera(event.currentTarget.value).catch(() => {})}
              >
                {cameras.length === 0 && <option value="">No camera available</option>}
                {cameras.map((device, i) => (
                  <option key={device.deviceId} value={device.deviceId}>
                    {device.label || `Camera ${i + 1}`}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </section>
        <form class="lobby-form" onSubmit={join} noValidate>
          <h2>Join a call</h2>
          <div class="field">
            <label htmlFor="room-input">Room name</label>
            <input
              id="room-input"
              name="room"
              required
              autocomplete="off"
              maxLength={ROOM_ID_MAX_LENGTH}
              value={roomId}
              aria-invalid={roomId !== "" && !roomValid}
              aria-describedby="room-hint"
              onInput={(event) => setRoomId(event.currentTarget.value.trim())}
            />
            <small id="room-hint" class={roomId !== "" && !roomValid ? "hint hint-error" : "hint"}>
              Letters, digits, “-” and “_”.
            </small>
          </div>
          <div class="field">
            <label htmlFor="name-input">Your name</label>
            <input
              id="name-input"
              name="name"
              required
              autocomplete="nickname"
              maxLength={USERNAME_MAX_LENGTH}
              value={username}
              aria-invalid={username !== "" && !nameValid}
              aria-describedby="name-hint"
              onInput={(event) => setUsername(event.currentTarget.value)}
            />
            <small id="name-hint" class={username !== "" && !nameValid ? "hint hint-error" : "hint"}>
              Shown to everyone in the room.
            </small>
          </div>
          {joinError !== null && (
            <p class="notice notice-error" role="alert" data-testid="join-error">
              {joinError}
            </p>
          )}
          <button type="submit" class="primary" disabled={!roomValid || !nameValid || joining}>
            {joining ? "Joining…" : "Join call"}
          </button>
        </form>
      </div>
    </main>
  );
}
