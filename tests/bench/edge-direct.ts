// `wrangler dev` answers on its own proxy (a separate workerd that holds every request and relays
// every WebSocket frame to the worker's workerd, so it can pause traffic across reloads). That hop
// does not exist in production. This finds the worker's own workerd listener, so a benchmark can
// measure the Room both ways: through `wrangler dev` as the tests use it, and without its proxy.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Edge } from "../support/edge.ts";

/** Process ids in the process group `pgid` (wrangler dev runs in its own group, workerd within it). */
function groupMembers(pgid: number): Set<number> {
  const out = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name (which is in parentheses and may hold spaces): state ppid pgrp ...
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(fields[2]) === pgid) out.add(Number(entry));
    } catch {
      // The process exited meanwhile.
    }
  }
  return out;
}

/**
 * Loopback TCP ports that workerd processes of the edge's process group listen on (`ss -ltnp`),
 * leaving out every port of the workerd that holds the proxy's port.
 */
function workerdPorts(edge: Edge): number[] {
  const pid = edge.child.process.pid;
  if (pid === undefined) return [];
  const members = groupMembers(pid);
  const proxyPort = Number(new URL(edge.url).port);
  const listeners: { pid: number; port: number }[] = [];
  for (const line of execFileSync("ss", ["-Hltnp"], { encoding: "utf8" }).split("\n")) {
    const owner = /users:\(\("workerd",pid=(\d+),/.exec(line);
    const port = /127\.0\.0\.1:(\d+)\s/.exec(line);
    if (owner && port && members.has(Number(owner[1])))
      listeners.push({ pid: Number(owner[1]), port: Number(port[1]) });
  }
  const proxyPid = listeners.find((l) => l.port === proxyPort)?.pid;
  return listeners.filter((l) => l.pid !== proxyPid).map((l) => l.port);
}

/**
 * The worker's own HTTP address (http://127.0.0.1:PORT) behind `wrangler dev`'s proxy: the one
 * listener of the other workerd that answers the edge's /healthz. Throws when there is none.
 */
export async function directWorkerUrl(edge: Edge): Promise<string> {
  for (const port of workerdPorts(edge)) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok && (await res.json().catch(() => undefined)) !== undefined) return url;
    } catch {
      // Not an HTTP listener of the worker (the inspector, a service binding socket).
    }
  }
  throw new Error(`no direct workerd listener found for the edge at ${edge.url}`);
}
