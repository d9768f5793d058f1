import type { z } from "zod";
import { type ClientMessage, type ClientMessageType, clientData } from "./client.ts";
import type { ErrorCode } from "./errors.ts";
import { RequestId } from "./fields.ts";
import { MAX_FRAME_BYTES, MAX_JSON_DEPTH } from "./limits.ts";
import { type ErrorMessage, type ServerMessage, type ServerMessageType, serverData } from "./server.ts";

export type Parsed<M> = { ok: true; message: M } | { ok: false; error: ErrorMessage };

/** Builds an `error` message; `requestId` is attached only when known. */
export function errorMessage(code: ErrorCode, message: string, requestId?: string, reason?: string): ErrorMessage {
  const out: ErrorMessage = {
    type: "error",
    data: reason === undefined ? { code, message } : { code, message, reason },
  };
  if (requestId !== undefined) out.requestId = requestId;
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 size of a frame, without encoding when the answer is obvious. */
export function frameBytes(frame: string | ArrayBuffer | ArrayBufferView): number {
  if (typeof frame !== "string") return frame.byteLength;
  if (frame.length * 3 <= MAX_FRAME_BYTES) return frame.length; // lower bound is enough: it fits
  return encoder.encode(frame).byteLength;
}

/** Whether `text` (JSON or not) nests `[`/`{` deeper than `limit`, outside strings; one pass, no allocation. */
export function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

type Schemas = Record<string, z.ZodType>;

/** A string or list over its length limit is `too-large`; a number out of range is just invalid. */
function isLengthLimit(issue: z.core.$ZodIssue): boolean {
  return issue.code === "too_big" && (issue.origin === "string" || issue.origin === "array");
}

function parseFrame<M>(frame: string | ArrayBuffer | ArrayBufferView, schemas: Schemas): Parsed<M> {
  if (typeof frame !== "string") {
    return { ok: false, error: errorMessage("invalid-message", "binary frames are not accepted; send JSON text") };
  }
  if (frameBytes(frame) > MAX_FRAME_BYTES) {
    return { ok: false, error: errorMessage("too-large", `frame exceeds ${MAX_FRAME_BYTES} bytes`) };
  }
  if (nestsDeeperThan(frame, MAX_JSON_DEPTH)) {
    return { ok: false, error: errorMessage("too-large", `frame nests deeper than ${MAX_JSON_DEPTH} levels`) };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    return { ok: false, error: errorMessage("invalid-message", "frame is not valid JSON") };
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    return { ok: false, error: errorMessage("invalid-message", "frame must be a JSON object") };
  }
  const envelope = raw as Record<string, unknown>;
  let requestId: string | undefined;
  if (envelope.requestId !== undefined) {
    const rid = RequestId.safeParse(envelope.requestId);
    if (!rid.success) {
      return { ok: false, error: errorMessage("invalid-message", "requestId must be a string of 1-64 characters") };
    }
    requestId = rid.data;
  }
  const type = envelope.type;
  if (typeof type !== "string") {
    return { ok: false, error: errorMessage("invalid-message", "missing string field 'type'", requestId) };
  }
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    return {
      ok: false,
      error: errorMessage("invalid-message", `unknown message type '${type.slice(0, 64)}'`, requestId),
    };
  }
  const data = schema.safeParse(envelope.data);
  if (!data.success) {
    const issue = data.error.issues[0];
    const where = issue && issue.path.length > 0 ? `data.${issue.path.join(".")}` : "data";
    const code: ErrorCode = data.error.issues.some(isLengthLimit) ? "too-large" : "invalid-message";
    return {
      ok: false,
      error: errorMessage(code, `${type}: ${where}: ${issue?.message ?? "invalid"}`, requestId),
    };
  }
  const message = { type, data: data.data } as { type: string; data: unknown; requestId?: string };
  if (requestId !== undefined) message.requestId = requestId;
  return { ok: true, message: message as M };
}

/** Turns a raw frame from a client into a typed message or the `error` to send back. */
export function parseClientMessage(frame: string | ArrayBuffer | ArrayBufferView): Parsed<ClientMessage> {
  return parseFrame<ClientMessage>(frame, clientData);
}

/** Turns a raw frame from the server into a typed message (for clients and tests). */
export function parseServerMessage(frame: string | ArrayBuffer | ArrayBufferView): Parsed<ServerMessage> {
  return parseFrame<ServerMessage>(frame, serverData);
}

/** Serialises a message for the wire. */
export function encode(message: ServerMessage | ClientMessage): string {
  return JSON.stringify(message);
}

export function isClientMessageType(type: string): type is ClientMessageType {
  return Object.hasOwn(clientData, type);
}

export function isServerMessageType(type: string): type is ServerMessageType {
  return Object.hasOwn(serverData, type);
}
