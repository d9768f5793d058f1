import type { CallMode } from "../call/types.ts";
import { t } from "../i18n/index.ts";
import type { ConnectionStatus } from "../signaling/SignalingClient.ts";

interface ConnectionBadgeProps {
  status: ConnectionStatus;
  /** How media travels (a detail in the tooltip), once known. */
  mode?: CallMode | null;
  /** Connected, but the media path to someone failed. */
  unstable?: boolean;
}

function describe(status: ConnectionStatus, unstable: boolean): { text: string; tone: string } {
  switch (status.state) {
    case "connecting":
      return { text: t("connection.connecting"), tone: "pending" };
    case "waiting":
      return { text: t("connection.waiting"), tone: "pending" };
    case "connected":
      return unstable
        ? { text: t("connection.unstable"), tone: "warn" }
        : { text: t("connection.connected"), tone: "ok" };
    case "reconnecting":
      return { text: t("connection.reconnecting"), tone: "warn" };
    case "closed":
      return { text: status.error ? t("connection.disconnected") : t("connection.left"), tone: "error" };
  }
}

/**
 * The connection in words a person understands (connected, unstable, reconnecting), always
 * visible; the media path (server or peer-to-peer) is the tooltip's detail. Announces changes
 * to screen readers.
 */
export function ConnectionBadge({ status, mode = null, unstable = false }: ConnectionBadgeProps) {
  const { text, tone } = describe(status, unstable);
  const details = [
    status.state === "reconnecting" ? status.reason : null,
    status.state === "connected" && unstable ? t("connection.unstableDetail") : null,
    mode === null ? null : mode === "sfu" ? t("connection.viaSfu") : t("connection.viaMesh"),
  ].filter((detail) => detail !== null);
  return (
    <span
      class={`connection connection-${tone}`}
      role="status"
      data-state={status.state}
      data-unstable={unstable ? "true" : undefined}
      data-mode={mode ?? undefined}
      title={details.length > 0 ? details.join(" · ") : undefined}
    >
      <span class="connection-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
