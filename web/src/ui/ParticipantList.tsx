import type { LobbyEntry } from "@huddle/protocol";
import { useState } from "preact/hooks";
import { byHand } from "../call/hands.ts";
import type { Participant, Room } from "../call/Room.ts";
import { t } from "../i18n/index.ts";
import { hueOf, initials } from "./avatar.ts";
import { HandBadge } from "./HandBadge.tsx";
import { CameraIcon, MicIcon } from "./icons.tsx";

/** The moderation intents this list sends (a moderator's `Room`). */
export type Moderation = Pick<
  Room,
  | "muteParticipant"
  | "removeParticipant"
  | "setParticipantCanPublish"
  | "admit"
  | "deny"
  | "setRoomLocked"
  | "setLobbyEnabled"
  | "endForEveryone"
  | "lowerHand"
>;

interface ParticipantListProps {
  participants: Participant[];
  /** Present for a moderator (`roomAdmin`): per-person, lobby and room controls. */
  moderation: Moderation | null;
  lobby: LobbyEntry[];
  settings: { locked: boolean; lobby: boolean };
}

/** Everyone in the room, with what they send; for a moderator also the lobby and the controls. */
export function ParticipantList({ participants, moderation, lobby, settings }: ParticipantListProps) {
  /** The person (or "room": end for everyone) whose destructive action waits for a confirmation. */
  const [confirming, setConfirming] = useState<string | null>(null);
  return (
    <section class="people" aria-label={t("call.participants")}>
      {moderation !== null && lobby.length > 0 && (
        <section class="people-lobby" aria-label={t("people.waiting")}>
          <h3 class="people-heading">{t("people.waitingCount", { number: lobby.length })}</h3>
          <ul class="people-list">
            {lobby.map((entry) => {
              const name = entry.name ?? entry.user;
              return (
                <li key={entry.user} class="person person-waiting" data-user={entry.user}>
                  <span class="person-avatar" style={{ "--hue": String(hueOf(entry.user)) }} aria-hidden="true">
                    {initials(name)}
                  </span>
                  <span class="person-name">{name}</span>
                  <button
                    type="button"
                    class="small-button small-primary"
                    aria-label={t("people.admitName", { name })}
                    onClick={() => moderation.admit(entry.user)}
                  >
                    {t("people.admit")}
                  </button>
                  <button
                    type="button"
                    class="small-button"
                    aria-label={t("people.denyName", { name })}
                    onClick={() => moderation.deny(entry.user)}
                  >
                    {t("people.deny")}
                  </button>
                </li>
              );
            })}
          </ul>
        </section>
      )}
      <ul class="people-list">
        {byHand(participants).map((p) => (
          <li key={p.username} class="person-entry" data-user={p.username}>
            <div class="person">
              <span class="person-avatar" style={{ "--hue": String(hueOf(p.username)) }} aria-hidden="true">
                {initials(p.name)}
              </span>
              <span class="person-name">
                {p.name}
                {p.isLocal && <span class="person-you"> {t("people.you")}</span>}
                {p.permissions?.roomAdmin === true && <span class="person-role"> · {t("people.moderator")}</span>}
                {p.permissions?.canPublish === false && <span class="person-role"> · {t("people.viewer")}</span>}
                {p.speaking && <span class="visually-hidden">, {t("people.speaking")}</span>}
              </span>
              {p.hand !== null && <HandBadge position={p.hand} />}
              <span
                class={`person-state${p.media.microphone ? "" : " person-off"}`}
                role="img"
                aria-label={p.media.microphone ? t("people.microphoneOn") : t("tile.microphoneMuted")}
              >
                <MicIcon off={!p.media.microphone} />
              </span>
              <span
                class={`person-state${p.media.camera ? "" : " person-off"}`}
                role="img"
                aria-label={p.media.camera ? t("people.cameraOn") : t("people.cameraOff")}
              >
                <CameraIcon off={!p.media.camera} />
              </span>
            </div>
            {moderation !== null && !p.isLocal && (
              <PersonActions
                participant={p}
                moderation={moderation}
                confirming={confirming === p.username}
                onConfirm={(on) => setConfirming(on ? p.username : null)}
              />
            )}
          </li>
        ))}
      </ul>
      {moderation !== null && (
        <section class="room-controls" aria-label={t("people.roomControls")}>
          <h3 class="people-heading">{t("people.room")}</h3>
          <div class="room-buttons">
            <button
              type="button"
              class="small-button"
              aria-pressed={settings.locked}
              onClick={() => moderation.setRoomLocked(!settings.locked)}
            >
              {settings.locked ? t("people.unlock") : t("people.lock")}
            </button>
            <button
              type="button"
              class="small-button"
              aria-pressed={settings.lobby}
              onClick={() => moderation.setLobbyEnabled(!settings.lobby)}
            >
              {settings.lobby ? t("people.lobbyOff") : t("people.lobbyOn")}
            </button>
            {confirming === "room" ? (
              <fieldset class="confirm">
                <legend>{t("people.endConfirm")}</legend>
                <button
                  type="button"
                  class="small-button small-danger"
                  onClick={() => {
                    setConfirming(null);
                    moderation.endForEveryone();
                  }}
                >
                  {t("people.endForEveryone")}
                </button>
                <button type="button" class="small-button" onClick={() => setConfirming(null)}>
                  {t("common.cancel")}
                </button>
              </fieldset>
            ) : (
              <button type="button" class="small-button small-danger" onClick={() => setConfirming("room")}>
                {t("people.endCall")}
              </button>
            )}
          </div>
        </section>
      )}
    </section>
  );
}

interface PersonActionsProps {
  participant: Participant;
  moderation: Moderation;
  confirming: boolean;
  onConfirm: (on: boolean) => void;
}

/** A moderator's buttons for one participant: mute, promote or demote, remove (confirmed). */
function PersonActions({ participant: p, moderation, confirming, onConfirm }: PersonActionsProps) {
  const canPublish = p.permissions?.canPublish !== false;
  if (confirming) {
    return (
      <fieldset class="person-actions confirm">
        <legend>{t("people.removeConfirm", { name: p.name })}</legend>
        <button
          type="button"
          class="small-button small-danger"
          onClick={() => {
            onConfirm(false);
            moderation.removeParticipant(p.username);
          }}
        >
          {t("people.remove")}
        </button>
        <button type="button" class="small-button" onClick={() => onConfirm(false)}>
          {t("common.cancel")}
        </button>
      </fieldset>
    );
  }
  return (
    <div class="person-actions">
      {p.hand !== null && (
        <button type="button" class="small-button" onClick={() => moderation.lowerHand(p.username)}>
          {t("hand.lowerFor", { name: p.name })}
        </button>
      )}
      <button
        type="button"
        class="small-button"
        aria-label={t("people.muteName", { name: p.name })}
        disabled={!p.media.microphone}
        onClick={() => moderation.muteParticipant(p.username, "microphone")}
      >
        {t("people.muteMicrophone")}
      </button>
      <button
        type="button"
        class="small-button"
        aria-label={t("people.cameraOffName", { name: p.name })}
        disabled={!p.media.camera}
        onClick={() => moderation.muteParticipant(p.username, "camera")}
      >
        {t("people.stopCamera")}
      </button>
      <button
        type="button"
        class="small-button"
        aria-label={
          canPublish ? t("people.makeViewerName", { name: p.name }) : t("people.allowPublishName", { name: p.name })
        }
        onClick={() => moderation.setParticipantCanPublish(p.username, !canPublish)}
      >
        {canPublish ? t("people.makeViewer") : t("people.allowPublishing")}
      </button>
      <button
        type="button"
        class="small-button small-danger"
        aria-label={t("people.removeName", { name: p.name })}
        onClick={() => onConfirm(true)}
      >
        {t("people.remove")}
      </button>
    </div>
  );
}
