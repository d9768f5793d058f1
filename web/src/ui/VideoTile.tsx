import { useRef } from "preact/hooks";
import type { TileView } from "../call/adaptiveLayers.ts";
import type { Participant } from "../call/Room.ts";
import { t } from "../i18n/index.ts";
import { hueOf, initials } from "./avatar.ts";
import { HandBadge } from "./HandBadge.tsx";
import { useMediaTrack } from "./hooks.ts";
import { MicIcon, PinIcon } from "./icons.tsx";
import { LevelBars } from "./LevelBars.tsx";
import { QualityBadge } from "./QualityBadge.tsx";
import { TileReactions } from "./Reactions.tsx";
import { useTileView } from "./useTileView.ts";

interface VideoTileProps {
  participant: Participant;
  source: "camera" | "screen";
  /** Width in pixels (grid, stage); null: as the stylesheet sizes it (the strip). */
  width: number | null;
  pinned: boolean;
  /** Pins or unpins the tile; null: no pin button (nothing to pin it over). */
  onPin: (() => void) | null;
  /** Our connection is lost: a remote tile says so over its (frozen) picture. */
  reconnecting?: boolean;
  /** How this tile is shown (size on screen, in view), for the layer its video is received at. */
  onView?: ((view: TileView | null) => void) | null;
}

/** One tile of the grid: a participant's camera (or avatar) or their screen share. */
export function VideoTile({
  participant,
  source,
  width,
  pinned,
  onPin,
  reconnecting = false,
  onView = null,
}: VideoTileProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const tileRef = useRef<HTMLElement>(null);
  useTileView(tileRef, participant.isLocal ? null : onView);
  const track = participant.tracks[source];
  const showVideo = track !== null && (source === "screen" || participant.media.camera);
  useMediaTrack(videoRef, showVideo ? track : null);
  const name = participant.isLocal ? t("tile.you", { name: participant.name }) : participant.name;
  const label = source === "screen" ? t("tile.screenLabel", { name }) : name;
  const subject =
    source === "screen"
      ? t("tile.screenOf", { name: participant.name })
      : t("tile.videoOf", { name: participant.name });
  const connecting = !participant.isLocal && participant.link !== null && participant.link !== "connected";
  const classes = [
    "tile",
    source === "screen" ? "tile-screen" : "",
    participant.speaking && source === "camera" ? "tile-speaking" : "",
    participant.isLocal && source === "camera" ? "tile-local" : "",
    pinned ? "tile-pinned" : "",
  ].join(" ");

  return (
    <article
      ref={tileRef}
      class={classes}
      style={{ ...(width === null ? {} : { width: `${width}px` }), "--hue": String(hueOf(participant.username)) }}
      aria-label={subject}
      data-user={participant.username}
      data-source={source}
      data-speaking={participant.speaking && source === "camera" ? "true" : undefined}
      data-pinned={pinned ? "true" : undefined}
    >
      <video ref={videoRef} autoplay playsInline muted hidden={!showVideo} />
      {!showVideo && (
        <div class="avatar" aria-hidden="true">
          {initials(participant.name)}
        </div>
      )}
      {reconnecting && !participant.isLocal ? (
        <div class="tile-reconnecting" data-testid="tile-reconnecting">
          <span class="reconnect-spinner" aria-hidden="true" />
          {t("reconnect.tile")}
        </div>
      ) : null}
      {connecting && !reconnecting && (
        <div class="tile-status" role="status">
          {participant.link === "failed" ? t("tile.lost") : t("connection.connecting")}
        </div>
      )}
      {source === "camera" && <TileReactions user={participant.username} name={participant.name} />}
      <div class="tile-footer">
        {source === "camera" && participant.hand !== null && <HandBadge position={participant.hand} />}
        {source === "camera" && <LevelBars user={participant.username} muted={!participant.media.microphone} />}
        {source === "camera" && !participant.media.microphone && (
          <span
            class="badge badge-muted"
            role="img"
            aria-label={t("tile.microphoneMuted")}
            title={t("tile.microphoneMuted")}
          >
            <MicIcon off />
          </span>
        )}
        {source === "camera" && participant.quality !== null && <QualityBadge quality={participant.quality} />}
        <span class="tile-name">{label}</span>
      </div>
      {onPin !== null && (
        <button
          type="button"
          class={`tile-pin${pinned ? " tile-pin-on" : ""}`}
          aria-label={
            source === "screen"
              ? t("tile.pinScreen", { name: participant.name })
              : t("tile.pinVideo", { name: participant.name })
          }
          aria-pressed={pinned}
          title={pinned ? t("tile.unpinHint") : t("tile.pinHint")}
          onClick={onPin}
        >
          <PinIcon />
        </button>
      )}
    </article>
  );
}
