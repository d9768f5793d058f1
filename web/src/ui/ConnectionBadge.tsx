import { useEffect, useState } from "preact/hooks";
import type { ConnectionStatus } from "../signaling/SignalingClient.ts";

function describe(status: ConnectionStatus, now: number, since: number): { text: string; tone: string } {
  switch (status.state) {
    case "connecting":
      return { text: "Connecting…", tone: "pending" };
    case "connected":
      return { text: "Connected", tone: "ok" };
    case "reconnecting": {
      const left = Math.max(0, Math.ceil((since + status.retryInMs - now) / 1000));
      return { text: left > 0 ? `Reconnecting in ${left}s…` : "Reconnecting…", tone: "warn" };
    }
    case "closed":
      return { text: status.error ? "Disconnected" : "Left", tone: "error" };
  }
}

/** The signaling connection's state, always visible; announces changes to screen readers. */
export function ConnectionBadge({ status }: { status: ConnectionStatus }) {
  const [since, setSince] = useState(() => Date.now());
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    setSince(Date.now());
    setNow(Date.now());
    if (status.state !== "reconnecting") return;
    const timer = setInterval(() => setNow(Date.now()), 500);
    return () => clearInterval(timer);
  }, [status]);
  const { text, tone } = describe(status, now, since);
  return (
    <span
      class={`connection connection-${tone}`}
      role="status"
      data-state={status.state}
      title={status.state === "reconnecting" ? status.reason : undefined}
    >
      <span class="connection-dot" aria-hidden="true" />
      {text}
    </span>
  );
}
