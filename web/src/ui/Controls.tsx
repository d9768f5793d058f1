import type { Reaction } from "@huddle/protocol";
import type { ComponentChildren } from "preact";
import type { ControlsState } from "../call/permissions.ts";
import { t } from "../i18n/index.ts";
import { ControlButton } from "./ControlButton.tsx";
import { CameraIcon, ChatIcon, LeaveIcon, MicIcon, PeopleIcon, ScreenIcon } from "./icons.tsx";
import { ReactionPicker } from "./Reactions.tsx";
import { SettingsIcon } from "./SettingsDialog.tsx";

interface ControlsProps {
  microphone: boolean;
  camera: boolean;
  screen: boolean;
  canShareScreen: boolean;
  /** What our grants let us send: a source we may not publish has its button disabled. */
  allowed: Pick<ControlsState, "microphone" | "camera" | "screen">;
  panel: "chat" | "people" | null;
  unread: number;
  /** People waiting in the lobby (a moderator's badge on Participants). */
  waiting: number;
  onMicrophone: () => void;
  onCamera: () => void;
  onScreen: () => void;
  onPanel: (panel: "chat" | "people") => void;
  /** Opens the in-call settings (devices, quality, noise suppression). */
  onSettings?: () => void;
  onLeave: () => void;
  /** The start/stop recording control, for participants who may record (RecordingButton). */
  recording?: ComponentChildren;
  /** Our hand is up. */
  hand: boolean;
  /** Our grants let us send reactions. */
  canReact: boolean;
  onHand: () => void;
  onReact: (reaction: Reaction) => void;
}

/** The call's control bar: microphone, camera, screen share, chat, participants, leave. */
export function Controls(props: ControlsProps) {
  return (
    <nav class="controls" aria-label={t("controls.label")}>
      <div class="controls-group">
        <ControlButton
          label={t("media.mute")}
          hint={
            !props.allowed.microphone
              ? t("controls.microphoneNotAllowed")
              : props.microphone
                ? t("media.mute")
                : t("media.unmute")
          }
          pressed={!props.microphone}
          off={!props.microphone}
          disabled={!props.allowed.microphone}
          onClick={props.onMicrophone}
        >
          <MicIcon off={!props.microphone} />
        </ControlButton>
        <ControlButton
          label={t("media.cameraOff")}
          hint={
            !props.allowed.camera
              ? t("controls.cameraNotAllowed")
              : props.camera
                ? t("media.cameraOff")
                : t("media.cameraOn")
          }
          pressed={!props.camera}
          off={!props.camera}
          disabled={!props.allowed.camera}
          onClick={props.onCamera}
        >
          <CameraIcon off={!props.camera} />
        </ControlButton>
        {props.canShareScreen && (
          <ControlButton
            label={t("controls.shareScreen")}
            hint={
              !props.allowed.screen
                ? t("controls.screenNotAllowed")
                : props.screen
                  ? t("controls.stopSharing")
                  : t("controls.startSharing")
            }
            pressed={props.screen}
            disabled={!props.allowed.screen}
            onClick={props.onScreen}
          >
            <ScreenIcon />
          </ControlButton>
        )}
        {props.recording}
        <ControlButton
          label={t("hand.raise")}
          hint={props.hand ? t("hand.lower") : t("hand.raise")}
          pressed={props.hand}
          onClick={props.onHand}
        >
          <span aria-hidden="true">✋</span>
        </ControlButton>
        <ReactionPicker disabled={!props.canReact} onReact={props.onReact} />
      </div>
      <div class="controls-group">
        <ControlButton
          label={t("call.chat")}
          pressed={props.panel === "chat"}
          badge={props.unread}
          controls="side-panel"
          onClick={() => props.onPanel("chat")}
        >
          <ChatIcon />
        </ControlButton>
        <ControlButton
          label={t("call.participants")}
          pressed={props.panel === "people"}
          badge={props.waiting}
          controls="side-panel"
          onClick={() => props.onPanel("people")}
        >
          <PeopleIcon />
        </ControlButton>
        {props.onSettings !== undefined && (
          <ControlButton label={t("settings.open")} controls="settings-dialog" onClick={props.onSettings}>
            <SettingsIcon />
          </ControlButton>
        )}
        <button
          type="button"
          class="control control-leave"
          aria-label={t("controls.leaveCall")}
          title={t("controls.leaveCall")}
          onClick={props.onLeave}
        >
          <LeaveIcon />
          <span class="control-text">{t("controls.leave")}</span>
        </button>
      </div>
    </nav>
  );
}
