import { EventsQuery, type LoadResponse } from "@huddle/protocol";
import { ApiError } from "../errors.ts";
import type { EventLog } from "../events.ts";
import { dumpWorkers } from "../load.ts";
import { type HttpMetrics, renderMetrics } from "../metrics.ts";
import type { WorkerPool } from "../workers.ts";
import { zodMessage } from "./http.ts";
import type { Route } from "./router.ts";

export type NodeRoutesOptions = {
  pool: WorkerPool;
  events: EventLog;
  http: HttpMetrics;
  load: () => Promise<LoadResponse>;
};

/** Load, dump, events and metrics. (/healthz is answered before routing, unauthenticated.) */
export function nodeRoutes({ pool, events, http, load }: NodeRoutesOptions): Route[] {
  return [
    { method: "GET", path: "/v1/load", auth: "signed", handler: async () => ({ json: await load() }) },
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
