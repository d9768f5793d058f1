import { t } from "../i18n/index.ts";
import { SignalingError } from "./errors.ts";

/** What to tell the person when joining fails, per error code, in the current language. */
export function joinErrorText(error: unknown, roomId: string, username: string, edgeUrl: string | null): string {
  if (!(error instanceof SignalingError)) return t("join.generic");
  switch (error.code) {
    case "username-taken":
      return t("join.usernameTaken", { room: roomId, name: username });
    case "room-full":
      return t("join.roomFull", { room: roomId });
    case "unauthorized":
      return t("join.unauthorized");
    case "rate-limited":
      return t("join.rateLimited");
    case "invalid-message":
    case "too-large":
    case "room-mismatch":
      return t("join.rejected", { detail: error.message });
    case "connection-failed":
    case "timeout":
      return edgeUrl === null ? t("join.unreachableNoUrl") : t("join.unreachable", { url: edgeUrl });
    default:
      return t("join.failed", { detail: error.message });
  }
}
