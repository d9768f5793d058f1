import { useRef } from "preact/hooks";
import type { Participant } from "../call/Room.ts";
import { useMediaTrack } from "./hooks.ts";
import { MicIcon } from "./icons.tsx";

export function initials(name: string): string {
  const parts = name.split(/[\s._-]+/).filter(Boolean);
  const letters = parts.length > 1 ? [parts[0], parts[parts.length - 1]] : [name];
  return letters
    .map((part) => [...(part ?? "")][0] ?? "")
    .join("")
    .toUpperCase();
}

/** A stable hue per name, so everyone keeps their avatar colour. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) % 360;
  return hash;
}

interface VideoTileProps {
  participant: Participant;
  source: "camera" | "screen";
  width: number;
}

/** One tile of the grid: a participant's camera (or avatar) or their screen share. */
export function VideoTile({ participant, source, width }: VideoTileProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const track = participant.tracks[source];
  const showVideo = track !== null && (source === "screen" || participant.media.camera);
  useMediaTrack(videoRef, showVideo ? track : null);
  const name = participant.isLocal ? `${participant.username} (you)` : participant.username;
  const label = source === "screen" ? `${name} — screen` : name;
  const connecting = !participant.isLocal && participant.link !== null && participant.link !== "connected";
  const classes = [
    "tile",
    source === "screen" ? "tile-screen" : "",
    participant.speaking && source === "camera" ? "tile-speaking" : "",
    participant.isLocal && source === "camera" ? "tile-local" : "",
  ].join(" ");

  return (
    <article
      class={classes}
      style={{ width: `${width}px`, "--hue": String(hueOf(participant.username)) }}
      aria-label={source === "screen" ? `${participant.username}'s screen` : `${participant.username}'s video`}
      data-user={participant.username}
      data-source={source}
      data-speaking={participant.speaking && source === "camera" ? "true" : undefined}
    >
      <video ref={videoRef} autoplay playsInline muted hidden={!showVideo} />
      {!showVideo && (
        <div class="avatar" aria-hidden="true">
          {initials(participant.username)}
        </div>
      )}
      {connecting && (
        <div class="tile-status" role="status">
          {participant.link === "failed" ? "Connection lost, retrying…" : "Connecting…"}
        </div>
      )}
      <div class="tile-footer">
        {source === "camera" && !participant.media.microphone && (
          <span class="badge badge-muted" role="img" aria-label="Microphone muted" title="Microphone muted">
            <MicIcon off />
          </span>
        )}
        <span class="tile-name">{label}</span>
      </div>
    </article>
  );
}
