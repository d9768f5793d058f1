import type { Participant } from "../call/Room.ts";
import { CameraIcon, MicIcon } from "./icons.tsx";
import { hueOf, initials } from "./VideoTile.tsx";

/** Everyone in the room, with what they send. */
export function ParticipantList({ participants }: { participants: Participant[] }) {
  return (
    <section class="people" aria-label="Participants">
      <ul class="people-list">
        {participants.map((p) => (
          <li key={p.username} class="person" data-user={p.username}>
            <span class="person-avatar" style={{ "--hue": String(hueOf(p.username)) }} aria-hidden="true">
              {initials(p.username)}
            </span>
            <span class="person-name">
              {p.username}
              {p.isLocal && <span class="person-you"> (you)</span>}
              {p.speaking && <span class="visually-hidden">, speaking</span>}
            </span>
            <span
              class={`person-state${p.media.microphone ? "" : " person-off"}`}
              role="img"
              aria-label={p.media.microphone ? "Microphone on" : "Microphone muted"}
            >
              <MicIcon off={!p.media.microphone} />
            </span>
            <span
              class={`person-state${p.media.camera ? "" : " person-off"}`}
              role="img"
              aria-label={p.media.camera ? "Camera on" : "Camera off"}
            >
              <CameraIcon off={!p.media.camera} />
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
