import type { LoadResponse } from "@huddle/protocol";

const escapeLabel = (value: string) => value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

function labels(pairs: Record<string, string | number>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabel(String(v))}"`);
  return parts.length > 0 ? `{${parts.join(",")}}` : "";
}

/** Counters of the HTTP API, by route pattern (not raw path, so the label set stays small). */
export class HttpMetrics {
  #requests = new Map<string, { method: string; route: string; status: number; count: number; seconds: number }>();
  #authFailures = new Map<string, number>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    const entry = this.#requests.get(key);
    if (entry === undefined) this.#requests.set(key, { method, route, status, count: 1, seconds });
    else {
      entry.count++;
      entry.seconds += seconds;
    }
  }

  authFailure(reason: string): void {
    this.#authFailures.set(reason, (this.#authFailures.get(reason) ?? 0) + 1);
  }

  lines(): string[] {
    const out = [
      "# HELP huddle_media_http_requests_total HTTP API requests by route pattern and status.",
      "# TYPE huddle_media_http_requests_total counter",
    ];
    for (const r of this.#requests.values()) {
      out.push(
        `huddle_media_http_requests_total${labels({ method: r.method, route: r.route, status: r.status })} ${r.count}`,
      );
    }
    out.push(
      "# HELP huddle_media_http_request_seconds_total Time spent answering HTTP API requests.",
      "# TYPE huddle_media_http_request_seconds_total counter",
    );
    for (const r of this.#requests.values()) {
      out.push(
        `huddle_media_http_request_seconds_total${labels({ method: r.method, route: r.route, status: r.status })} ${r.seconds}`,
      );
    }
    out.push(
      "# HELP huddle_media_http_auth_failures_total Requests refused by authentication, by reason.",
      "# TYPE huddle_media_http_auth_failures_total counter",
    );
    for (const [reason, count] of this.#authFailures) {
      out.push(`huddle_media_http_auth_failures_total${labels({ reason })} ${count}`);
    }
    return out;
  }
}

export type MetricsSnapshot = { load: LoadResponse; workerDeaths: number; http: HttpMetrics };

/** The Prometheus text exposition (version 0.0.4) of the node. */
export function renderMetrics({ load, workerDeaths, http }: MetricsSnapshot): string {
  const out: string[] = [];
  const gauge = (name: string, help: string, type: "gauge" | "counter" = "gauge") =>
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  gauge("huddle_media_draining", "1 while the node accepts no new rooms.");
  out.push(`huddle_media_draining ${load.draining ? 1 : 0}`);
  gauge("huddle_media_workers_alive", "Live mediasoup workers.");
  out.push(`huddle_media_workers_alive ${load.workers.filter((w) => w.alive).length}`);
  gauge("huddle_media_worker_deaths_total", "Workers that died (each was replaced).", "counter");
  out.push(`huddle_media_worker_deaths_total ${workerDeaths}`);
  gauge("huddle_media_events_total", "Spontaneous closures published on /v1/events.", "counter");
  out.push(`huddle_media_events_total ${load.eventSeq}`);
  for (const what of ["rooms", "transports", "producers", "consumers"] as const) {
    gauge(`huddle_media_${what}`, `Open ${what} per worker.`);
    for (const w of load.workers) out.push(`huddle_media_${what}${labels({ worker: w.index })} ${w[what]}`);
  }
  gauge("huddle_media_worker_cpu_seconds_total", "CPU time of each worker process (user + system).", "counter");
  for (const w of load.workers) {
    out.push(`huddle_media_worker_cpu_seconds_total${labels({ worker: w.index })} ${w.cpuMs / 1000}`);
  }
  out.push(...http.lines());
  return `${out.join("\n")}\n`;
}
