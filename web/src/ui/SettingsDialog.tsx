import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import {
  browserProcessingSupported,
  type DeviceSource,
  type LocalMedia,
  MediaError,
  speakerSelectionSupported,
} from "../call/LocalMedia.ts";
import { CAMERA_RESOLUTIONS, isCameraResolution } from "../call/mediaPreferences.ts";
import { noiseSuppressionSupported } from "../call/NoiseSuppressor.ts";
import type { Room } from "../call/Room.ts";
import { type MessageKey, t } from "../i18n/index.ts";
import { useSubscription } from "./hooks.ts";
import { LanguageSwitch } from "./LanguageSwitch.tsx";
import "./settings.css";

/** A gear (after Lucide's "settings", ISC). Decorative: the button carries the label. */
export function SettingsIcon() {
  return (
    <svg
      class="icon"
      viewBox="0 0 24 24"
      width="20"
      height="20"
      aria-hidden="true"
      focusable="false"
      fill="none"
      stroke="currentColor"
      stroke-width="2"
      stroke-linecap="round"
      stroke-linejoin="round"
    >
      <path d="M12.22 2h-.44a2 2 0 0 0-2 2v.18a2 2 0 0 1-1 1.73l-.43.25a2 2 0 0 1-2 0l-.15-.08a2 2 0 0 0-2.73.73l-.22.38a2 2 0 0 0 .73 2.73l.15.1a2 2 0 0 1 1 1.72v.51a2 2 0 0 1-1 1.74l-.15.09a2 2 0 0 0-.73 2.73l.22.38a2 2 0 0 0 2.73.73l.15-.08a2 2 0 0 1 2 0l.43.25a2 2 0 0 1 1 1.73V20a2 2 0 0 0 2 2h.44a2 2 0 0 0 2-2v-.18a2 2 0 0 1 1-1.73l.43-.25a2 2 0 0 1 2 0l.15.08a2 2 0 0 0 2.73-.73l.22-.39a2 2 0 0 0-.73-2.73l-.15-.08a2 2 0 0 1-1-1.74v-.5a2 2 0 0 1 1-1.74l.15-.09a2 2 0 0 0 .73-2.73l-.22-.38a2 2 0 0 0-2.73-.73l-.15.08a2 2 0 0 1-2 0l-.43-.25a2 2 0 0 1-1-1.73V4a2 2 0 0 0-2-2z" />
      <circle cx="12" cy="12" r="3" />
    </svg>
  );
}

const FOCUSABLE = "button, select, input, [tabindex]:not([tabindex='-1'])";

/**
 * A modal dialog (the native `<dialog>`, so the page behind is inert): focus moves in, Tab
 * stays inside, Escape or a click on the backdrop closes it, and the focus goes back to
 * whatever opened it.
 */
function useModal(onClose: () => void) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog === null) return;
    if (!dialog.open) dialog.showModal();
    return () => {
      if (dialog.open) dialog.close();
      if (opener?.isConnected === true) opener.focus();
    };
  }, []);
  const onCancel = (event: Event) => {
    event.preventDefault(); // unmounting closes it
    onClose();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const dialog = ref.current;
    if (event.key !== "Tab" || dialog === null) return;
    const focusable = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter(
      (element) => !(element as HTMLButtonElement).disabled && element.offsetParent !== null,
    );
    const first = focusable[0];
    const last = focusable[focusable.length - 1];
    if (first === undefined || last === undefined) return;
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  };
  const onClick = (event: MouseEvent) => {
    if (event.target === ref.current) onClose(); // the backdrop (the dialog box itself has padding)
  };
  return { ref, onCancel, onKeyDown, onClick };
}

interface SettingsDialogProps {
  room: Room;
  onClose: () => void;
}

/**
 * In-call settings: microphone, camera and speaker; camera quality; noise suppression and the
 * browser's own audio processing. Every change applies at once without leaving the call (the
 * room replaces the track it sends) and is remembered for the next call.
 */
export function SettingsDialog({ room, onClose }: SettingsDialogProps) {
  const media = room.media;
  useSubscription(useCallback((notify: () => void) => media.on("change", notify), [media]));
  const modal = useModal(onClose);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void media.refreshDevices();
  }, [media]);

  const attempt = (change: Promise<void>) => {
    setError(null);
    change.catch((failure: unknown) => {
      if (!(failure instanceof MediaError)) console.warn("huddle: a settings change failed", failure);
      const reason = failure instanceof MediaError ? failure.message : String((failure as Error)?.message ?? failure);
      setError(t("settings.switchFailed", { reason }));
    });
  };

  const listed = (kind: MediaDeviceKind) => media.devices.filter((d) => d.kind === kind && d.deviceId !== "");
  // The browser's "default" microphone is a choice of its own (it follows the system's).
  const microphones = listed("audioinput");
  const cameras = listed("videoinput");
  // Its "default" speaker is the empty choice here ("System default").
  const speakers = listed("audiooutput").filter((d) => d.deviceId !== "default");
  const canPickSpeaker = speakerSelectionSupported();
  const canSuppress = noiseSuppressionSupported();
  const browserNoise = browserProcessingSupported("noiseSuppression");
  const browserEcho = browserProcessingSupported("echoCancellation");
  const label = (device: MediaDeviceInfo, index: number, numbered: MessageKey) =>
    device.label || t(numbered, { number: index + 1 });

  return (
    <dialog
      ref={modal.ref}
      class="settings-dialog"
      id="settings-dialog"
      aria-labelledby="settings-title"
      onCancel={modal.onCancel}
      onKeyDown={modal.onKeyDown}
      onClick={modal.onClick}
    >
      <div class="settings-body">
        <div class="settings-header">
          <h2 id="settings-title">{t("settings.title")}</h2>
          <button type="button" class="icon-button" aria-label={t("settings.close")} onClick={onClose}>
            <svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
              <path d="M18 6 6 18M6 6l12 12" stroke="currentColor" stroke-width="2" stroke-linecap="round" />
            </svg>
          </button>
        </div>

        {error !== null && (
          <p class="notice notice-error" role="alert" data-testid="settings-error">
            {error}
          </p>
        )}

        <fieldset class="settings-group">
          <legend>{t("settings.devices")}</legend>
          <div class="field">
            <label htmlFor="settings-microphone">{t("settings.microphone")}</label>
            <select
              id="settings-microphone"
              value={media.microphoneId ?? microphones[0]?.deviceId ?? ""}
              disabled={microphones.length === 0}
              onChange={(event) => attempt(room.selectMicrophone(event.currentTarget.value))}
            >
              {microphones.length === 0 && <option value="">{t("settings.noMicrophone")}</option>}
              {microphones.map((device, i) => (
                <option key={device.deviceId} value={device.deviceId}>
                  {label(device, i, "settings.microphoneNumber")}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label htmlFor="settings-camera">{t("settings.camera")}</label>
            <select
              id="settings-camera"
              value={media.cameraId ?? cameras[0]?.deviceId ?? ""}
              disabled={cameras.length === 0}
              onChange={(event) => attempt(room.selectCamera(event.currentTarget.value))}
            >
              {cameras.length === 0 && <option value="">{t("settings.noCamera")}</option>}
              {cameras.map((device, i) => (
                <option key={device.deviceId} value={device.deviceId}>
                  {label(device, i, "settings.cameraNumber")}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label htmlFor="settings-speaker">{t("settings.speaker")}</label>
            <select
              id="settings-speaker"
              value={canPickSpeaker ? (media.speakerId ?? "") : ""}
              disabled={!canPickSpeaker}
              aria-describedby={canPickSpeaker ? undefined : "settings-speaker-hint"}
              onChange={(event) => media.selectSpeaker(event.currentTarget.value || null)}
            >
              <option value="">{t("settings.speakerDefault")}</option>
              {canPickSpeaker &&
                speakers.map((device, i) => (
                  <option key={device.deviceId} value={device.deviceId}>
                    {label(device, i, "settings.speakerNumber")}
                  </option>
                ))}
            </select>
            {!canPickSpeaker && (
              <small id="settings-speaker-hint" class="hint">
                {t("settings.speakerUnsupported")}
              </small>
            )}
          </div>
          <div class="field">
            <label htmlFor="settings-resolution">{t("settings.resolution")}</label>
            <select
              id="settings-resolution"
              value={media.resolution}
              aria-describedby="settings-resolution-hint"
              onChange={(event) => {
                const value = event.currentTarget.value;
                if (isCameraResolution(value)) attempt(room.setCameraResolution(value));
              }}
            >
              {Object.keys(CAMERA_RESOLUTIONS).map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
            <small id="settings-resolution-hint" class="hint">
              {t("settings.resolutionHint")}
            </small>
          </div>
        </fieldset>

        <fieldset class="settings-group">
          <legend>{t("settings.audio")}</legend>
          <div class="settings-check">
            <input
              type="checkbox"
              id="settings-noise-suppression"
              checked={canSuppress && media.noiseSuppression}
              data-active={media.noiseSuppressionActive ? "on" : "off"}
              disabled={!canSuppress}
              aria-describedby="settings-noise-suppression-hint"
              onChange={(event) => attempt(room.setNoiseSuppression(event.currentTarget.checked))}
            />
            <label htmlFor="settings-noise-suppression">{t("settings.noiseSuppression")}</label>
            <small
              id="settings-noise-suppression-hint"
              class={media.noiseSuppressionFailed ? "hint hint-error" : "hint"}
              data-testid="noise-suppression-hint"
            >
              {!canSuppress
                ? t("settings.noiseSuppressionUnsupported")
                : media.noiseSuppressionFailed
                  ? t("settings.noiseSuppressionFailed")
                  : t("settings.noiseSuppressionHint")}
            </small>
          </div>
          <div class="settings-check">
            <input
              type="checkbox"
              id="settings-browser-noise"
              checked={browserNoise && media.browserNoiseSuppression}
              disabled={!browserNoise}
              aria-describedby={browserNoise ? undefined : "settings-browser-hint"}
              onChange={(event) =>
                attempt(room.setBrowserAudioProcessing("noiseSuppression", event.currentTarget.checked))
              }
            />
            <label htmlFor="settings-browser-noise">{t("settings.browserNoiseSuppression")}</label>
          </div>
          <div class="settings-check">
            <input
              type="checkbox"
              id="settings-echo"
              checked={browserEcho && media.echoCancellation}
              disabled={!browserEcho}
              aria-describedby={browserEcho ? undefined : "settings-browser-hint"}
              onChange={(event) =>
                attempt(room.setBrowserAudioProcessing("echoCancellation", event.currentTarget.checked))
              }
            />
            <label htmlFor="settings-echo">{t("settings.echoCancellation")}</label>
          </div>
          {(!browserNoise || !browserEcho) && (
            <small id="settings-browser-hint" class="hint">
              {t("settings.browserUnsupported")}
            </small>
          )}
        </fieldset>

        <div class="settings-language">
          <LanguageSwitch id="settings-language" />
        </div>
      </div>
    </dialog>
  );
}

/** The notice for a device that went away mid-call (`LocalMedia`'s `device-lost`). */
export function deviceLostText(media: LocalMedia, source: DeviceSource, fallback: MediaStreamTrack | null): string {
  if (fallback === null) return t(source === "microphone" ? "settings.microphoneLostNone" : "settings.cameraLostNone");
  const id = fallback.getSettings().deviceId;
  const device = media.devices.find((d) => d.deviceId === id)?.label || fallback.label;
  return t(source === "microphone" ? "settings.microphoneLost" : "settings.cameraLost", { device });
}
