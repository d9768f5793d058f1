import type { IncomingMessage, ServerResponse } from "node:http";
import type { MediaErrorBody } from "@huddle/protocol";
import type { z } from "zod";
import { ApiError } from "../errors.ts";

/** Reads the whole body, refusing more than `limit` bytes (413). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > limit) {
      reject(new ApiError(413, "too-large", `body larger than ${limit} bytes`));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > limit) {
        failed = true;
        reject(new ApiError(413, "too-large", `body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", (error) => {
      if (!failed) reject(error);
      failed = true;
    });
  });
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, contentType: string, text: string): void {
  res.writeHead(status, { "content-type": contentType, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError): void {
  const body: MediaErrorBody = { error: { code: error.code, message: error.message } };
  sendJson(res, error.status, body);
}

/** The first few zod issues as `path: message`. */
export function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`)
    .join("; ");
}

/** Parses a JSON body (empty means `{}`) with a route's schema; 400 invalid-body with the zod message otherwise. */
export function parseBody<S extends z.ZodType>(schema: S, raw: Buffer): z.output<S> {
  let json: unknown = {};
  if (raw.length > 0) {
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      throw new ApiError(400, "invalid-body", "body is not valid JSON");
    }
  }
  let result: z.ZodSafeParseResult<z.output<S>>;
  try {
    result = schema.safeParse(json);
  } catch (error) {
    // The schemas never recurse into what they do not know, but a stack overflow must stay the client's 400.
    if (error instanceof RangeError) throw new ApiError(400, "invalid-body", "body is nested too deeply");
    throw error;
  }
  if (!result.success) throw new ApiError(400, "invalid-body", zodMessage(result.error));
  return result.data;
}
