import { useEffect, useState } from "preact/hooks";
import { t } from "../i18n/index.ts";
import type { ConnectionStatus } from "../signaling/SignalingClient.ts";
import { useNow } from "./useNow.ts";

type Reconnecting = Extract<ConnectionStatus, { state: "reconnecting" }>;

interface ReconnectBannerProps {
  status: Reconnecting;
  /** "Retry now": the next attempt at once. */
  onRetry: () => void;
}

/**
 * While the connection is lost: that it is, when the next try comes, that sending is paused,
 * when the client gives up, and a "Retry now" button.
 */
export function ReconnectBanner({ status, onRetry }: ReconnectBannerProps) {
  // When this status (this attempt's wait) began: the countdown runs from there.
  const [since, setSince] = useState(() => Date.now());
  useEffect(() => setSince(Date.now()), [status]);
  const now = useNow(true);
  const nextIn = Math.max(0, Math.ceil((since + status.retryInMs - now) / 1000));
  const giveUpIn = Math.max(0, Math.ceil((status.giveUpAt - now) / 1000));
  return (
    <section
      class="reconnect-banner"
      data-testid="reconnect-banner"
      data-attempt={status.attempt}
      data-retry-at={since + status.retryInMs}
      aria-labelledby="reconnect-title"
    >
      <span class="reconnect-spinner" aria-hidden="true" />
      <div class="reconnect-text">
        <h2 id="reconnect-title">{t("reconnect.title")}</h2>
        <p>
          {nextIn > 0 ? t("reconnect.nextTry", { seconds: nextIn, attempt: status.attempt }) : t("reconnect.trying")}{" "}
          {t("reconnect.giveUpIn", { seconds: giveUpIn })}
        </p>
        <p data-testid="sending-paused">{t("reconnect.paused")}</p>
      </div>
      <button type="button" class="primary reconnect-retry" onClick={onRetry}>
        {t("reconnect.retry")}
      </button>
    </section>
  );
}
