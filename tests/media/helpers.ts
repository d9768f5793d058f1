import { createSocket, type Socket } from "node:dgram";
import {
  type DtlsParameters,
  type DumpResponse,
  type LoadResponse,
  MediaErrorBody,
  type RtpParameters,
  signedFetch,
} from "@huddle/protocol";
import type { MediaNodeOptions } from "../../media-node/src/config.ts";
import { type MediaNode, startMediaNode } from "../../media-node/src/node.ts";

export { waitFor } from "../support/wait.ts";

export const SECRET = "test-secret-0123456789abcdef";

/** A media node on loopback, on free ports, quiet, with plain transports enabled. */
export function startTestNode(options: Partial<MediaNodeOptions> = {}): Promise<MediaNode> {
  return startMediaNode({
    secret: SECRET,
    host: "127.0.0.1",
    port: 0,
    rtcListenIp: "127.0.0.1",
    announcedIp: "127.0.0.1",
    rtcPortMin: 0,
    workers: 1,
    allowPlain: true,
    logLevel: "silent",
    ...options,
  });
}

export type ApiAnswer<T = unknown> = { status: number; body: T };

/** A signed JSON client of one node's API. */
export function apiClient(baseUrl: string, secret = SECRET) {
  const send = async <T>(method: string, path: string, init: { json?: unknown; body?: string }) => {
    const res = await signedFetch(secret, new URL(path, baseUrl), { method, ...init });
    const text = await res.text();
    return { status: res.status, body: (text.length > 0 ? JSON.parse(text) : undefined) as T };
  };
  const call = <T = unknown>(method: string, path: string, json?: unknown): Promise<ApiAnswer<T>> =>
    send<T>(method, path, { json });
  /** Calls and insists on a 2xx answer (with the error body in the failure message). */
  const ok = async <T = unknown>(method: string, path: string, json?: unknown): Promise<T> => {
    const answer = await call<T>(method, path, json);
    if (answer.status < 200 || answer.status > 299) {
      throw new Error(`${method} ${path} -> ${answer.status} ${JSON.stringify(answer.body)}`);
    }
    return answer.body;
  };
  return {
    call,
    /** Sends a body as it is (not JSON-encoded). */
    callText: <T = unknown>(method: string, path: string, body: string) => send<T>(method, path, { body }),
    ok,
    get: <T = unknown>(path: string) => ok<T>("GET", path),
    post: <T = unknown>(path: string, json?: unknown) => ok<T>("POST", path, json),
    put: <T = unknown>(path: string, json?: unknown) => ok<T>("PUT", path, json),
    del: <T = unknown>(path: string) => ok<T>("DELETE", path),
    load: () => ok<LoadResponse>("GET", "/v1/load"),
    dump: () => ok<DumpResponse>("GET", "/v1/dump"),
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** The `{ error: { code, message } }` of an answer (throws when the body is not one). */
export function errorOf(answer: ApiAnswer): { code: string; message: string } {
  return MediaErrorBody.parse(answer.body).error;
}

/** Every mediasoup object id the workers report, by kind. */
export function countObjects(dump: DumpResponse) {
  const routers = dump.workers.flatMap((w) => w.routers);
  return {
    routers: routers.length,
    transports: routers.reduce((n, r) => n + r.transportIds.length, 0),
    producers: routers.reduce((n, r) => n + r.producerIds.length, 0),
    consumers: routers.reduce((n, r) => n + r.consumerIds.length, 0),
    webRtcTransports: dump.workers.reduce(
      (n, w) => n + w.webRtcServers.reduce((m, s) => m + s.webRtcTransportIds.length, 0),
      0,
    ),
  };
}

/** Opus as a browser would send it (payload type 100 here). */
export function opusRtpParameters(ssrc: number): RtpParameters {
  return {
    codecs: [{ mimeType: "audio/opus", payloadType: 100, clockRate: 48000, channels: 2 }],
    encodings: [{ ssrc }],
  };
}

/** VP8 as a browser would send it (payload type 96 here, with the usual feedback). */
export function vp8RtpParameters(ssrc: number): RtpParameters {
  return {
    codecs: [
      {
        mimeType: "video/VP8",
        payloadType: 96,
        clockRate: 90000,
        rtcpFeedback: [{ type: "nack" }, { type: "nack", parameter: "pli" }, { type: "ccm", parameter: "fir" }],
      },
    ],
    encodings: [{ ssrc }],
  };
}

/** A browser's DTLS side (any well-formed sha-256 fingerprint; the handshake itself never happens in these tests). */
export const CLIENT_DTLS_PARAMETERS: DtlsParameters = {
  role: "client",
  fingerprints: [
    {
      algorithm: "sha-256",
      value: "82:5A:68:3D:36:C3:0A:DE:AF:E7:32:43:D2:88:83:57:AC:2D:65:E5:80:C4:B6:FB:AF:1A:A0:21:9F:6D:0C:AD",
    },
  ],
};

/** One RTP packet of an opus stream: 12-byte header and a small, valid-looking payload. */
export function opusPacket(ssrc: number, seq: number, payloadType = 100): Buffer {
  const packet = Buffer.alloc(12 + 40);
  packet[0] = 0x80; // version 2
  packet[1] = payloadType & 0x7f;
  packet.writeUInt16BE(seq & 0xffff, 2);
  packet.writeUInt32BE((seq * 960) >>> 0, 4);
  packet.writeUInt32BE(ssrc >>> 0, 8);
  packet[12] = 0xfc; // TOC: CELT fullband 20 ms, one frame
  for (let i = 13; i < packet.length; i++) packet[i] = (i * 7 + seq) & 0xff;
  return packet;
}

/** A UDP socket on loopback that counts the RTP packets it receives, by SSRC. */
export class RtpEndpoint {
  readonly socket: Socket;
  readonly received = new Map<number, number>();
  port = 0;

  constructor() {
    this.socket = createSocket("udp4");
    this.socket.on("message", (msg) => {
      if (msg.length < 12 || msg[0] === undefined || msg[0] >> 6 !== 2) return;
      const packetType = msg[1] ?? 0;
      if (packetType >= 192 && packetType <= 223) return; // RTCP (SR, RR, SDES, BYE, feedback)
      const ssrc = msg.readUInt32BE(8);
      this.received.set(ssrc, (this.received.get(ssrc) ?? 0) + 1);
    });
  }

  static async open(): Promise<RtpEndpoint> {
    const endpoint = new RtpEndpoint();
    await new Promise<void>((resolve) => endpoint.socket.bind(0, "127.0.0.1", () => resolve()));
    endpoint.port = endpoint.socket.address().port;
    return endpoint;
  }

  count(ssrc: number): number {
    return this.received.get(ssrc) ?? 0;
  }

  send(packet: Buffer, port: number): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.send(packet, port, "127.0.0.1", (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): void {
    this.socket.close();
  }
}
