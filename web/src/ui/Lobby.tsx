import type { RtpCapabilities } from "mediasoup-client/types";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import { type LocalMedia, MediaError, mediaProblemText } from "../call/LocalMedia.ts";
import { prepareDevice } from "../call/mediaDevice.ts";
import type { Room } from "../call/Room.ts";
import type { ClientConfig } from "../config.ts";
import { t } from "../i18n/index.ts";
import { type Invite, invitePublishes } from "../invite.ts";
import { joinErrorText } from "../signaling/joinErrorText.ts";
import { type Refusal, refusalOf } from "../signaling/refusal.ts";
import { initials } from "./avatar.ts";
import { ControlButton } from "./ControlButton.tsx";
import { useMediaTrack, useSubscription } from "./hooks.ts";
import { CameraIcon, MicIcon } from "./icons.tsx";
import { LanguageSwitch } from "./LanguageSwitch.tsx";
import { loadCallView, loadRoom, preloadMediaClient } from "./lazy.ts";
import { checkRoomId, checkUsername, nameHint, roomHint } from "./lobbyValidation.ts";
import { RecordingNotice, useRoomPreview } from "./RecordingNotice.tsx";
import { WaitingScreen } from "./WaitingScreen.tsx";

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

/**
 * A `huddle:<name>` performance mark: how long the page took to each step of the lobby, for
 * tests/bench/page-to-first-frame.ts and the browser's performance panel.
 */
function mark(name: string): void {
  performance.mark(`huddle:${name}`);
}

/** A failed join, as it was tried. */
interface JoinFailure {
  error: unknown;
  roomId: string;
  username: string;
  edgeUrl: string | null;
}

interface LobbyProps {
  media: LocalMedia;
  config: Promise<ClientConfig>;
  initialRoom: string;
  initialName: string;
  /** From the invite link: who we join as (no name to type), and what we may send. */
  invite: Invite | null;
  onJoined: (room: Room) => void;
  /** The room turned us away for good (bad invite, removed, locked, denied): the App shows why. */
  onRefused: (refusal: Refusal) => void;
  /** Join as soon as the camera and microphone are ready (Rejoin from the leave screen). */
  autoJoin?: boolean;
}

/** Before the call: room and display name, camera and microphone preview, device pickers. */
export function Lobby({ media, config, initialRoom, initialName, invite, onJoined, onRefused, autoJoin }: LobbyProps) {
  useSubscription(useCallback((notify: () => void) => media.on("change", notify), [media]));
  const [roomId, setRoomId] = useState(initialRoom);
  const [typedName, setUsername] = useState(initialName);
  const [joining, setJoining] = useState(false);
  const [waiting, setWaiting] = useState(false);
  /** Why the last join failed (said at render time, so in the language of the moment). */
  const [joinError, setJoinError] = useState<JoinFailure | null>(null);
  const [starting, setStarting] = useState(true);
  const previewRef = useRef<HTMLVideoElement>(null);
  /** The join in progress, so Cancel (in the room's lobby) can stop it. */
  const pending = useRef<{ room: Room; cancelled: boolean } | null>(null);
  useMediaTrack(previewRef, media.camera);
  const username = invite?.identity ?? typedName;
  // An invite may forbid sending: a viewer is never asked for the camera or microphone.
  const mayMicrophone = invite === null || invitePublishes(invite, "microphone");
  const mayCamera = invite === null || invitePublishes(invite, "camera");

  const roomCheck = checkRoomId(roomId);
  const roomValid = roomCheck.ok;
  // Told before joining whether the room is being recorded. Asked before anything else starts
  // (the call's chunks, the camera), so the answer is not queued behind their work.
  const edgeUrl = useMemo(() => config.then((c) => c.edge.url), [config]);
  const preview = useRoomPreview(edgeUrl, roomId, roomValid, invite?.token);
  const recording = preview?.recording ?? null;
  // A media node serves the room: its media device gets ready while the person looks at the preview.
  const routerCapabilities = preview?.rtpCapabilities;
  useEffect(() => {
    if (routerCapabilities === undefined) return;
    mark("lobby-router-known");
    prepareDevice(routerCapabilities as RtpCapabilities);
  }, [routerCapabilities]);

  useEffect(() => {
    mark("lobby-rendered");
    // Fetched while the person looks at the preview; a failure shows when they join.
    loadRoom().catch(() => {});
    loadCallView().catch(() => {});
    preloadMediaClient().catch(() => {});
  }, []);

  useEffect(() => {
    media
      .start({ microphone: mayMicrophone && preference("microphone"), camera: mayCamera && preference("camera") })
      .catch(() => {}) // shown from media.problem
      .finally(() => {
        mark("lobby-media-ready");
        setStarting(false);
      });
  }, [media, mayMicrophone, mayCamera]);

  // Leaving the page (or this lobby) while waiting to be let in stops the wait.
  useEffect(
    () => () => {
      if (pending.current !== null) {
        pending.current.cancelled = true;
        pending.current.room.leave();
      }
    },
    [],
  );

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

  const nameCheck = checkUsername(username);
  const nameValid = nameCheck.ok;
  // Said as the person types; an empty field is not an error until they have typed something.
  const roomError = !roomCheck.ok && !roomCheck.empty ? roomCheck.message : null;
  const nameError = !nameCheck.ok && !nameCheck.empty ? nameCheck.message : null;

  const join = async () => {
    if (!roomValid || !nameValid || joining) return;
    mark("join-pressed");
    setJoining(true);
    setJoinError(null);
    let edgeUrl: string | null = null;
    let attempt: { room: Room; cancelled: boolean } | null = null;
    try {
      const [{ Room, RoomEvent }, { edge, iceServers }] = await Promise.all([
        loadRoom(),
        config,
        // The call screen shows the moment the room is joined (App takes it from the same chunk).
        loadCallView(),
      ]);
      edgeUrl = edge.url;
      const room = Room.create({
        edgeUrl: edge.url,
        roomId,
        username,
        media,
        iceServers,
        ...(invite === null ? {} : { token: invite.token, displayName: invite.name }),
      });
      attempt = { room, cancelled: false };
      pending.current = attempt;
      room.on(RoomEvent.ConnectionStatusChanged, (status) => setWaiting(status.state === "waiting"));
      await room.connect();
      pending.current = null;
      if (invite === null) {
        try {
          localStorage.setItem("huddle.name", username);
        } catch {
          // not remembered
        }
      }
      onJoined(room);
    } catch (error) {
      pending.current = null;
      setWaiting(false);
      setJoining(false);
      if (attempt?.cancelled === true) return; // Cancel while waiting: back to the lobby, no error
      const refusal = refusalOf(error);
      if (refusal !== null) onRefused(refusal);
      else setJoinError({ error, roomId, username, edgeUrl });
    }
  };

  const submit = (event: Event) => {
    event.preventDefault();
    void join();
  };

  // Rejoin: once the devices have started, join without waiting for a click.
  const autoJoined = useRef(false);
  useEffect(() => {
    if (autoJoin !== true || starting || autoJoined.current) return;
    autoJoined.current = true;
    void join();
  });

  const cancelWaiting = () => {
    const attempt = pending.current;
    if (attempt === null) return;
    attempt.cancelled = true;
    attempt.room.leave();
  };

  const microphones = media.devices.filter((d) => d.kind === "audioinput" && d.deviceId !== "");
  const cameras = media.devices.filter((d) => d.kind === "videoinput" && d.deviceId !== "");
  const shownName = (invite?.name ?? username).trim();
  const previewName = shownName === "" ? "?" : initials(shownName);

  return (
    <main class="lobby">
      {waiting && <WaitingScreen roomId={roomId} name={invite?.name ?? username} onCancel={cancelWaiting} />}
      <h1 class="brand">
        <span class="brand-mark" aria-hidden="true" />
        {t("app.brand")}
      </h1>
      <div class="lobby-card">
        <section class="lobby-preview" aria-label={t("lobby.preview")}>
          <div class="preview">
            <video ref={previewRef} autoplay playsInline muted hidden={media.camera === null} />
            {media.camera === null && (
              <div class="avatar" aria-hidden="true">
                {starting ? "" : previewName}
              </div>
            )}
            {starting && <div class="tile-status">{t("lobby.startingCamera")}</div>}
            <div class="preview-controls">
              {mayMicrophone && (
                <ControlButton
                  label={t("media.mute")}
                  hint={media.flags.microphone ? t("media.mute") : t("media.unmute")}
                  pressed={!media.flags.microphone}
                  off={!media.flags.microphone}
                  onClick={() => void toggle("microphone")}
                >
                  <MicIcon off={!media.flags.microphone} />
                </ControlButton>
              )}
              {mayCamera && (
                <ControlButton
                  label={t("media.cameraOff")}
                  hint={media.camera !== null ? t("media.cameraOff") : t("media.cameraOn")}
                  pressed={media.camera === null}
                  off={media.camera === null}
                  onClick={() => void toggle("camera")}
                >
                  <CameraIcon off={media.camera === null} />
                </ControlButton>
              )}
            </div>
          </div>
          {media.problem !== null && (
            <p class="notice notice-error" role="alert" data-problem={media.problem.problem}>
              {mediaProblemText(media.problem.problem)}
            </p>
          )}
          <div class="device-pickers">
            <div class="field">
              <label htmlFor="microphone-select">{t("lobby.microphone")}</label>
              <select
                id="microphone-select"
                value={media.microphoneId ?? microphones[0]?.deviceId ?? ""}
                disabled={microphones.length === 0}
                onChange={(event) => void media.selectMicrophone(event.currentTarget.value).catch(() => {})}
              >
                {microphones.length === 0 && <option value="">{t("lobby.noMicrophone")}</option>}
                {microphones.map((device, i) => (
                  <option key={device.deviceId} value={device.deviceId}>
                    {device.label || t("lobby.microphoneNumber", { number: i + 1 })}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label htmlFor="camera-select">{t("lobby.camera")}</label>
              <select
                id="camera-select"
                value={media.cameraId ?? cameras[0]?.deviceId ?? ""}
                disabled={cameras.length === 0}
                onChange={(event) => void media.selectCamera(event.currentTarget.value).catch(() => {})}
              >
                {cameras.length === 0 && <option value="">{t("lobby.noCamera")}</option>}
                {cameras.map((device, i) => (
                  <option key={device.deviceId} value={device.deviceId}>
                    {device.label || t("lobby.cameraNumber", { number: i + 1 })}
                  </option>
                ))}
              </select>
            </div>
          </div>
        </section>
        <form class="lobby-form" onSubmit={submit} noValidate>
          <h2>{t("lobby.title")}</h2>
          <div class="field">
            <label htmlFor="room-input">{t("lobby.room")}</label>
            <input
              id="room-input"
              name="room"
              required
              autocomplete="off"
              readOnly={invite !== null}
              value={roomId}
              aria-invalid={roomError !== null}
              aria-describedby="room-hint"
              onInput={(event) => setRoomId(event.currentTarget.value)}
            />
            <small
              id="room-hint"
              class={roomError !== null ? "hint hint-error" : "hint"}
              aria-live="polite"
              data-testid="room-hint"
            >
              {roomError ?? roomHint()}
            </small>
          </div>
          {invite !== null ? (
            <div class="field invite-identity" data-testid="invite-identity">
              <span>{t("lobby.joinAs")}</span>
              <p class="invite-name">
                <strong>{invite.name}</strong>
                {invite.name !== invite.identity && <span class="invite-user"> ({invite.identity})</span>}
              </p>
              <small class={nameValid ? "hint" : "hint hint-error"}>
                {!nameValid
                  ? t("lobby.inviteBadName", { identity: invite.identity })
                  : invite.grant.roomAdmin
                    ? t("lobby.inviteModerator")
                    : !invite.grant.canPublish
                      ? t("lobby.inviteViewer")
                      : t("lobby.invite")}
              </small>
            </div>
          ) : (
            <div class="field">
              <label htmlFor="name-input">{t("lobby.name")}</label>
              <input
                id="name-input"
                name="name"
                required
                autocomplete="nickname"
                value={username}
                aria-invalid={nameError !== null}
                aria-describedby="name-hint"
                onInput={(event) => setUsername(event.currentTarget.value)}
              />
              <small
                id="name-hint"
                class={nameError !== null ? "hint hint-error" : "hint"}
                aria-live="polite"
                data-testid="name-hint"
              >
                {nameError ?? nameHint()}
              </small>
            </div>
          )}
          {joinError !== null && (
            <p class="notice notice-error" role="alert" data-testid="join-error">
              {joinErrorText(joinError.error, joinError.roomId, joinError.username, joinError.edgeUrl)}
            </p>
          )}
          <RecordingNotice recording={recording} />
          <button type="submit" class="primary" disabled={!roomValid || !nameValid || joining}>
            {joining ? t("lobby.joining") : t("lobby.join")}
          </button>
        </form>
      </div>
      <LanguageSwitch />
    </main>
  );
}
