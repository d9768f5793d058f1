import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { DOWNLOAD_QUERY, RecordingFileName, RecordingId, RoomId, verifyRecordingDownload } from "@huddle/protocol";
import send from "send";
import { sendError } from "../api/http.ts";
import { nodeDigests } from "../api/node-digests.ts";
import { ApiError } from "../errors.ts";
import type { Logger } from "../log.ts";

export type DownloadOptions = {
  /** MEDIA_NODE_RECORDINGS_DIR; undefined: nothing to download (404). */
  dir: string | undefined;
  secret: string;
  log: Logger;
};

const PREFIX = "/v1/recordings/";

/**
 * `GET|HEAD /v1/recordings/:roomId/:recordingId/:file?expires=&sig=`: one file of a recording,
 * for whoever holds a URL the edge signed (docs/recording.md, "Downloads"). The signature is
 * checked first (403 `forbidden`), then the expiry (410 `expired`); names that are not a room id,
 * a recording id and a plain file name are 400 `invalid-param`, so nothing outside a recording's
 * folder can be named; a missing file is 404 `not-found`. The file itself is served by `send`:
 * Range (206, 416), HEAD, ETag and Last-Modified, so players can seek.
 *
 * Returns false when the path is not a download path (the API's other routes answer it).
 */
export async function serveDownload(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  query: string,
  options: DownloadOptions,
): Promise<boolean> {
  if (!path.startsWith(PREFIX)) return false;
  req.resume();
  if (req.method !== "GET" && req.method !== "HEAD") {
    sendError(res, new ApiError(405, "method-not-allowed", "downloads are GET or HEAD"));
    return true;
  }
  const segments = path.slice(PREFIX.length).split("/");
  const [roomId, recordingId, file] = segments.map(decodeSegment);
  if (segments.length !== 3 || roomId === undefined || recordingId === undefined || file === undefined) {
    sendError(res, new ApiError(400, "invalid-param", "use /v1/recordings/<roomId>/<recordingId>/<file>"));
    return true;
  }
  const params = new URLSearchParams(query);
  const refusal = await verifyRecordingDownload({
    secret: options.secret,
    roomId,
    recordingId,
    file,
    expires: params.get(DOWNLOAD_QUERY.expires),
    signature: params.get(DOWNLOAD_QUERY.signature),
    hmac: nodeDigests.hmacSha256Hex,
  });
  if (refusal !== undefined) {
    sendError(res, new ApiError(refusal.status, refusal.code, refusal.message));
    return true;
  }
  // Signed by the edge, but checked all the same: the names must not leave the recording's folder.
  if (
    !RoomId.safeParse(roomId).success ||
    !RecordingId.safeParse(recordingId).success ||
    !RecordingFileName.safeParse(file).success
  ) {
    sendError(res, new ApiError(400, "invalid-param", "not a room id, recording id and file name"));
    return true;
  }
  if (options.dir === undefined) {
    sendError(res, new ApiError(404, "not-found", "this node keeps no recordings"));
    return true;
  }
  await new Promise<void>((resolve) => {
    send(req, encodeURIComponent(file), {
      root: join(options.dir as string, roomId, recordingId),
      dotfiles: "deny",
      index: false,
      cacheControl: false,
      etag: true,
      lastModified: true,
    })
      .on("error", (error: { status?: number; headers?: Record<string, string> }) => {
        const status = error.status ?? 500;
        if (status >= 500) options.log.warn("download failed", { roomId, recordingId, file, error });
        if (res.headersSent) res.destroy();
        else {
          for (const [name, value] of Object.entries(error.headers ?? {})) res.setHeader(name, value);
          sendError(res, refusalOf(status, file));
        }
        resolve();
      })
      .on("end", resolve)
      .pipe(res);
    res.on("close", resolve);
  });
  return true;
}

/** What `send` refused, as a stable error. */
function refusalOf(status: number, file: string): ApiError {
  if (status === 404) return new ApiError(404, "not-found", `the recording has no file ${file}`);
  if (status === 416) return new ApiError(416, "range-not-satisfiable", "the range is outside the file");
  if (status === 412) return new ApiError(412, "invalid-state", "the file changed (If-Match / If-Unmodified-Since)");
  if (status < 500) return new ApiError(400, "invalid-param", "the request cannot be served");
  return new ApiError(500, "internal", "the file could not be read");
}

/** A percent-decoded path segment; undefined when it is not valid percent-encoding. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
