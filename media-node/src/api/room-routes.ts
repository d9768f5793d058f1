import {
  type ClosePeerResponse,
  type CloseRoomResponse,
  ConnectPlainTransportRequest,
  ConnectTransportRequest,
  type ConnectTransportResponse,
  type ConsumerStateResponse,
  CreatePlainTransportRequest,
  CreateTransportRequest,
  EmptyBody,
  type EnsureRoomResponse,
  type MediaBatchFailure,
  MediaId,
  MediaPeerId,
  ProduceRequest,
  type ProducerStateResponse,
  type RestartIceResponse,
  ResumeConsumersRequest,
  type ResumeConsumersResponse,
  RoomId,
  SetConsumerLayersRequest,
  type SetConsumerLayersResponse,
} from "@huddle/protocol";
import { ApiError, mediaCall, notFound } from "../errors.ts";
import type { MediaRoom } from "../media-room.ts";
import type { RoomTable } from "../room-table.ts";
import { ConsumeBody, ConsumeManyBody } from "./bodies.ts";
import { parseBody } from "./http.ts";
import type { Route, RouteContext } from "./router.ts";

export type RoomRoutesOptions = { rooms: RoomTable; allowPlain: boolean };

function decode(raw: string | undefined, name: string): string {
  try {
    return decodeURIComponent(raw ?? "");
  } catch {
    throw new ApiError(400, "invalid-param", `${name} is not valid percent-encoding`);
  }
}

/** The path's room id, decoded and checked (400 `invalid-param` otherwise). */
export function roomIdOf(ctx: RouteContext): string {
  const value = decode(ctx.params.roomId, "roomId");
  if (!RoomId.safeParse(value).success) {
    throw new ApiError(400, "invalid-param", "roomId: 1-64 characters of letters, digits, '-' and '_'");
  }
  return value;
}

function peerIdOf(ctx: RouteContext): string {
  const value = decode(ctx.params.peerId, "peerId");
  const parsed = MediaPeerId.safeParse(value);
  if (!parsed.success) throw new ApiError(400, "invalid-param", `peerId: ${parsed.error.issues[0]?.message}`);
  return value;
}

/** A transport, producer or consumer id: anything that cannot be one is simply not found. */
function mediaIdOf(ctx: RouteContext, name: string): string {
  const value = decode(ctx.params[name], name);
  if (!MediaId.safeParse(value).success) throw notFound(`${name.replace(/Id$/, "")} ${value.slice(0, 64)}`);
  return value;
}

const PEER = "/v1/rooms/:roomId/peers/:peerId";

/** The room, peer, transport, producer and consumer routes. */
export function roomRoutes({ rooms, allowPlain }: RoomRoutesOptions): Route[] {
  const room = (ctx: RouteContext): MediaRoom => rooms.get(roomIdOf(ctx));
  const peerOf = (ctx: RouteContext) => room(ctx).peer(peerIdOf(ctx));
  const transportOf = (ctx: RouteContext) => peerOf(ctx).transport(mediaIdOf(ctx, "transportId"));

  return [
    {
      method: "PUT",
      path: "/v1/rooms/:roomId",
      auth: "signed",
      handler: async (ctx) => {
        const roomId = roomIdOf(ctx);
        parseBody(EmptyBody, ctx.body);
        const { room, created } = await rooms.ensure(roomId);
        const json: EnsureRoomResponse = {
          roomId,
          rtpCapabilities: room.router.rtpCapabilities as unknown as EnsureRoomResponse["rtpCapabilities"],
          created,
          worker: room.worker.index,
        };
        return { status: created ? 201 : 200, json };
      },
    },
    {
      method: "GET",
      path: "/v1/rooms/:roomId",
      auth: "signed",
      handler: (ctx) => ({ json: room(ctx).state() }),
    },
    {
      method: "DELETE",
      path: "/v1/rooms/:roomId",
      auth: "signed",
      handler: (ctx) => {
        const roomId = roomIdOf(ctx);
        parseBody(EmptyBody, ctx.body);
        rooms.close(roomId);
        const json: CloseRoomResponse = { roomId, closed: true };
        return { json };
      },
    },
    {
      method: "DELETE",
      path: PEER,
      auth: "signed",
      handler: (ctx) => {
        const r = room(ctx);
        const peerId = peerIdOf(ctx);
        parseBody(EmptyBody, ctx.body);
        const json: ClosePeerResponse = { peerId, closed: r.closePeer(peerId) };
        return { json };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports`,
      auth: "signed",
      handler: async (ctx) => {
        const r = room(ctx);
        const peerId = peerIdOf(ctx);
        const body = parseBody(CreateTransportRequest, ctx.body);
        return { status: 201, json: await r.createWebRtcTransport(peerId, body) };
      },
    },
    {
      method: "POST",
      path: `${PEER}/plain-transports`,
      auth: "signed",
      handler: async (ctx) => {
        const r = room(ctx);
        const peerId = peerIdOf(ctx);
        if (!allowPlain) {
          throw new ApiError(403, "plain-disabled", "plain transports are disabled (MEDIA_NODE_ALLOW_PLAIN)");
        }
        const body = parseBody(CreatePlainTransportRequest, ctx.body);
        return { status: 201, json: await r.createPlainTransport(peerId, body) };
      },
    },
    {
      method: "DELETE",
      path: `${PEER}/transports/:transportId`,
      auth: "signed",
      handler: (ctx) => {
        const transport = transportOf(ctx);
        parseBody(EmptyBody, ctx.body);
        transport.close();
        return { json: { transportId: transport.id, closed: true } };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports/:transportId/connect`,
      auth: "signed",
      handler: async (ctx) => {
        const transport = transportOf(ctx);
        if (transport.type === "webrtc") {
          await transport.connectWebRtc(parseBody(ConnectTransportRequest, ctx.body).dtlsParameters);
        } else {
          await transport.connectPlain(parseBody(ConnectPlainTransportRequest, ctx.body));
        }
        const json: ConnectTransportResponse = { transportId: transport.id };
        return { json };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports/:transportId/restart-ice`,
      auth: "signed",
      handler: async (ctx) => {
        const transport = transportOf(ctx);
        parseBody(EmptyBody, ctx.body);
        const json: RestartIceResponse = { transportId: transport.id, iceParameters: await transport.restartIce() };
        return { json };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports/:transportId/produce`,
      auth: "signed",
      handler: async (ctx) => {
        const r = room(ctx);
        const transport = transportOf(ctx);
        const body = parseBody(ProduceRequest, ctx.body);
        return { status: 201, json: await r.produce(transport, body) };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports/:transportId/consume`,
      auth: "signed",
      handler: async (ctx) => {
        const r = room(ctx);
        const transport = transportOf(ctx);
        const body = parseBody(ConsumeBody, ctx.body);
        return { status: 201, json: await r.consume(transport, body) };
      },
    },
    {
      method: "POST",
      path: `${PEER}/transports/:transportId/consume-many`,
      auth: "signed",
      handler: async (ctx) => {
        const r = room(ctx);
        const transport = transportOf(ctx);
        const body = parseBody(ConsumeManyBody, ctx.body);
        return { status: 201, json: await r.consumeMany(transport, body) };
      },
    },
    {
      method: "POST",
      path: `${PEER}/consumers/resume`,
      auth: "signed",
      handler: async (ctx) => {
        const peer = peerOf(ctx);
        const { consumerIds } = parseBody(ResumeConsumersRequest, ctx.body);
        const json: ResumeConsumersResponse = await eachConsumer(consumerIds, async (consumerId) => {
          const { consumer } = peer.consumer(consumerId);
          await mediaCall(() => consumer.resume());
          return { consumerId, paused: consumer.paused };
        });
        return { json };
      },
    },
    {
      method: "POST",
      path: `${PEER}/consumers/layers`,
      auth: "signed",
      handler: async (ctx) => {
        const peer = peerOf(ctx);
        const { consumers } = parseBody(SetConsumerLayersRequest, ctx.body);
        const ids = consumers.map((c) => c.consumerId);
        const wanted = new Map(consumers.map((c) => [c.consumerId, c]));
        const json: SetConsumerLayersResponse = await eachConsumer(ids, async (consumerId) => {
          const { spatialLayer, temporalLayer, priority } = wanted.get(consumerId) as (typeof consumers)[number];
          return peer.setConsumerLayers(consumerId, { spatialLayer, temporalLayer }, priority);
        });
        return { json };
      },
    },
    ...(["resume", "pause"] as const).map(
      (action): Route => ({
        method: "POST",
        path: `${PEER}/consumers/:consumerId/${action}`,
        auth: "signed",
        handler: async (ctx) => {
          const { consumer } = peerOf(ctx).consumer(mediaIdOf(ctx, "consumerId"));
          parseBody(EmptyBody, ctx.body);
          await mediaCall(() => (action === "resume" ? consumer.resume() : consumer.pause()));
          const json: ConsumerStateResponse = { consumerId: consumer.id, paused: consumer.paused };
          return { json };
        },
      }),
    ),
    ...(["resume", "pause"] as const).map(
      (action): Route => ({
        method: "POST",
        path: `${PEER}/producers/:producerId/${action}`,
        auth: "signed",
        handler: async (ctx) => {
          const { producer } = peerOf(ctx).producer(mediaIdOf(ctx, "producerId"));
          parseBody(EmptyBody, ctx.body);
          await mediaCall(() => (action === "resume" ? producer.resume() : producer.pause()));
          const json: ProducerStateResponse = { producerId: producer.id, paused: producer.paused };
          return { json };
        },
      }),
    ),
    {
      method: "DELETE",
      path: `${PEER}/producers/:producerId`,
      auth: "signed",
      handler: (ctx) => {
        const { producer } = peerOf(ctx).producer(mediaIdOf(ctx, "producerId"));
        parseBody(EmptyBody, ctx.body);
        producer.close();
        return { json: { producerId: producer.id, closed: true } };
      },
    },
  ];
}

/**
 * Runs `act` for each of a peer's consumers at once; what fails for one (an ApiError: not found,
 * rejected) is listed in `failed` with the code a single call would have answered, and does not
 * stop the others.
 */
async function eachConsumer<T>(
  consumerIds: string[],
  act: (consumerId: string) => Promise<T>,
): Promise<{ consumers: T[]; failed: MediaBatchFailure[] }> {
  const out: { consumers: T[]; failed: MediaBatchFailure[] } = { consumers: [], failed: [] };
  const results = await Promise.all(
    consumerIds.map(async (consumerId) => {
      try {
        return { ok: true as const, value: await act(consumerId) };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        return { ok: false as const, failure: { id: consumerId, error: { code: error.code, message: error.message } } };
      }
    }),
  );
  for (const result of results) {
    if (result.ok) out.consumers.push(result.value);
    else out.failed.push(result.failure);
  }
  return out;
}
