import type { ComponentChildren } from "preact";
import { CameraIcon, ChatIcon, LeaveIcon, MicIcon, PeopleIcon, ScreenIcon } from "./icons.tsx";

interface ToggleProps {
  /** Constant name of the control; with `pressed` it is a toggle (aria-pressed). */
  label: string;
  /** Tooltip describing what a click does now (defaults to the label). */
  hint?: string;
  pressed?: boolean;
  /** Visual "off" state (red) for a muted mic or a stopped camera. */
  off?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ComponentChildren;
  badge?: number;
  controls?: string;
}

export function ControlButton({
  label,
  hint,
  pressed,
  off,
  disabled,
  onClick,
  children,
  badge,
  controls,
}: ToggleProps) {
  return (
    <button
      type="button"
      class={`control${off ? " control-off" : pressed ? " control-active" : ""}`}
      aria-label={label}
      aria-pressed={pressed === undefined ? undefined : pressed}
      aria-controls={controls}
      title={hint ?? label}
      disabled={disabled}
      onClick={onClick}
    >
      {children}
      {badge !== undefined && badge > 0 && (
        <span class="control-badge" aria-hidden="true">
          {badge > 99 ? "99+" : badge}
        </span>
      )}
    </button>
  );
}

interface ControlsProps {
  microphone: boolean;
  camera: boolean;
  screen: boolean;
  canShareScreen: boolean;
  panel: "chat" | "people" | null;
  unread: number;
  onMicrophone: () => void;
  onCamera: () => void;
  onScreen: () => void;
  onPanel: (panel: "chat" | "people") => void;
  onLeave: () => void;
}

/** The call's control bar: microphone, camera, screen share, chat, participants, leave. */
export function Controls(props: ControlsProps) {
  return (
    <nav class="controls" aria-label="Call controls">
      <div class="controls-group">
        <ControlButton
          label="Mute microphone"
          hint={props.microphone ? "Mute microphone" : "Unmute microphone"}
          pressed={!props.microphone}
          off={!props.microphone}
          onClick={props.onMicrophone}
        >
          <MicIcon off={!props.microphone} />
        </ControlButton>
        <ControlButton
          label="Turn off camera"
          hint={props.camera ? "Turn off camera" : "Turn on camera"}
          pressed={!props.camera}
          off={!props.camera}
          onClick={props.onCamera}
        >
          <CameraIcon off={!props.camera} />
        </ControlButton>
        {props.canShareScreen && (
          <ControlButton
            label="Share screen"
            hint={props.screen ? "Stop sharing your screen" : "Share your screen"}
            pressed={props.screen}
            onClick={props.onScreen}
          >
            <ScreenIcon />
          </ControlButton>
        )}
      </div>
      <div class="controls-group">
        <ControlButton
          label="Chat"
          pressed={props.panel === "chat"}
          badge={props.unread}
          controls="side-panel"
          onClick={() => props.onPanel("chat")}
        >
          <ChatIcon />
        </ControlButton>
        <ControlButton
          label="Participants"
          pressed={props.panel === "people"}
          controls="side-panel"
          onClick={() => props.onPanel("people")}
        >
          <PeopleIcon />
        </ControlButton>
        <button
          type="button"
          class="control control-leave"
          aria-label="Leave call"
          title="Leave call"
          onClick={props.onLeave}
        >
          <LeaveIcon />
          <span class="control-text">Leave</span>
        </button>
      </div>
    </nav>
  );
}
