import { type DrainResponse, EmptyBody, EventsQuery, type LoadResponse } from "@huddle/protocol";
import { ApiError } from "../errors.ts";
import type { EventLog } from "../events.ts";
import { dumpWorkers } from "../load.ts";
import { type HttpMetrics, renderMetrics } from "../metrics.ts";
import type { WorkerPool } from "../workers.ts";
import { parseBody, zodMessage } from "./http.ts";
import type { Route } from "./router.ts";

export type NodeRoutesOptions = {
  pool: WorkerPool;
  events: EventLog;
  http: HttpMetrics;
  load: () => Promise<LoadResponse>;
  /** Stops taking new rooms and tells the edge (when the node announces); resolves once it was told. */
  drain: () => Promise<void>;
};

/** Load, dump, events, metrics and drain. (/healthz is answered before routing, unauthenticated.) */
export function nodeRoutes({ pool, events, http, load, drain }: NodeRoutesOptions): Route[] {
  return [
    { method: "GET", path: "/v1/load", auth: "signed", handler: async () => ({ json: await load() }) },
    {
      method: "POST",
      path: "/v1/drain",
      auth: "signed",
      handler: async ({ body }) => {
        parseBody(EmptyBody, body);
        await drain();
        const json: DrainResponse = { draining: true };
        return { json };
      },
    },
    { method: "GET", path: "/v1/dump", auth: "signed", handler: async () => ({ json: await dumpWorkers(pool) }) },
    {
      method: "GET",
      path: "/v1/events",
      auth: "signed",
      handler: ({ query }) => {
        const parsed = EventsQuery.safeParse(Object.fromEntries(query));
        if (!parsed.success) throw new ApiError(400, "invalid-param", zodMessage(parsed.error));
        return { json: events.since(parsed.data.since ?? 0) };
      },
    },
    {
      method: "GET",
      path: "/metrics",
      auth: "metrics",
      handler: async () => ({
        contentType: "text/plain; version=0.0.4; charset=utf-8",
        text: renderMetrics({ load: await load(), workerDeaths: pool.deaths, http }),
      }),
    },
  ];
}
