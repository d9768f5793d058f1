// A call of real Chromium pages for the network suite: every page's RTCPeerConnections tracked
// (./rtc-stats.ts), and the checks every impairment test makes: each receiver keeps decoding
// video from every other participant and keeps receiving audio.
import type { Browser } from "playwright-core";
import { CallPage, waitFor } from "../../e2e/support/call-page.ts";
import { type NetworkStats, networkStats, type PeerConnectionOptions, trackPeerConnections } from "./rtc-stats.ts";

export interface Participant {
  name: string;
  call: CallPage;
  stats(): Promise<NetworkStats>;
  /** The page's console and socket events, timed (printed when a check fails). */
  events: string[];
  /** Sends its camera (the others must decode it). */
  camera: boolean;
}

export interface CallOptions extends PeerConnectionOptions {
  microphone?: boolean;
  camera?: boolean;
  viewport?: { width: number; height: number };
}

/** Opens `name`'s lobby in `room` with its RTCPeerConnections tracked (not joined yet). */
export async function openParticipant(
  browser: Browser,
  edgeUrl: string,
  room: string,
  name: string,
  options: CallOptions = {},
): Promise<Participant> {
  const call = await CallPage.open(browser, edgeUrl, room, name, {
    microphone: options.microphone ?? true,
    camera: options.camera ?? true,
    navigate: false,
    ...(options.viewport === undefined ? {} : { viewport: options.viewport }),
  });
  await trackPeerConnections(call.context, options);
  const events: string[] = [];
  const note = (line: string) => {
    events.push(`${new Date().toISOString().slice(11, 23)} ${line}`);
    if (events.length > 200) events.shift();
  };
  call.page.on("console", (message) => note(`${message.type()}: ${message.text()}`));
  let sockets = 0;
  call.page.on("websocket", (socket) => {
    const n = ++sockets;
    note(`socket ${n} open ${socket.url()}`);
    socket.on("close", () => note(`socket ${n} closed`));
  });
  await call.page.goto(`${edgeUrl}/?room=${encodeURIComponent(room)}`);
  return { name, call, stats: () => networkStats(call.page), events, camera: options.camera ?? true };
}

/**
 * Opens and joins everyone, then waits until each decodes all others' video. Only `speakers`
 * (default: the first) open their microphone: audio is the main CPU cost on this machine; only
 * `cameras` (default: everyone) send video.
 */
export async function startCall(
  browser: Browser,
  edgeUrl: string,
  room: string,
  names: readonly string[],
  options: CallOptions & { speakers?: readonly string[]; cameras?: readonly string[] } = {},
): Promise<Participant[]> {
  const speakers = options.speakers ?? names.slice(0, 1);
  const cameras = options.cameras ?? names;
  const people: Participant[] = [];
  for (const name of names) {
    const sends = { microphone: speakers.includes(name), camera: cameras.includes(name) };
    people.push(await openParticipant(browser, edgeUrl, room, name, { ...options, ...sends }));
  }
  for (const p of people) if (p.camera) await p.call.page.locator(".preview video:not([hidden])").waitFor();
  for (const p of people) await p.call.join();
  for (const p of people) {
    await p.call.expectDecoding(cameras.filter((n) => n !== p.name));
  }
  return people;
}

interface Progress {
  frames: Map<string, number>;
  audio: { packets: number; samples: number }[];
}

async function progressOf(p: Participant): Promise<Progress> {
  const stats = await p.stats();
  const frames = new Map<string, number>();
  for (const v of stats.video)
    if (v.user !== "") frames.set(v.user, Math.max(frames.get(v.user) ?? 0, v.framesDecoded));
  return { frames, audio: stats.audio.map((a) => ({ packets: a.packetsReceived, samples: a.totalSamplesReceived })) };
}

/**
 * Each participant, within `timeoutMs`, decodes more video frames from every other one than it
 * had at the start, and receives more packets and plays out more samples on as many audio
 * streams as others in `speakers` (those with a microphone): the call goes on, impaired or not.
 */
export async function expectCallFlowing(
  people: readonly Participant[],
  speakers: readonly string[],
  timeoutMs = 30_000,
): Promise<void> {
  const before = new Map<string, Progress>();
  for (const p of people) before.set(p.name, await progressOf(p));
  for (const p of people) {
    const start = before.get(p.name) as Progress;
    const others = people.filter((o) => o.name !== p.name && o.camera).map((o) => o.name);
    const audioFrom = speakers.filter((s) => s !== p.name).length;
    // A counter below its start value belongs to a new connection (the page rejoined, e.g. its
    // socket's keepalive expired on this overloaded machine): from then on it must rise above
    // that. Rejoins are printed; the impairments here never touch the signaling socket.
    const frames = new Map(start.frames);
    let audio = start.audio;
    let last: Progress = start;
    await waitFor(
      `${p.name} to decode more video from ${others.join(", ")} and receive more audio from ${audioFrom}`,
      async () => {
        last = await progressOf(p);
        for (const [user, n] of last.frames) {
          if (n < (frames.get(user) ?? 0)) {
            console.warn(`[network] ${p.name}: video from ${user} restarted (${frames.get(user)} -> ${n} frames)`);
            frames.set(user, n);
          }
        }
        if (last.audio.length !== audio.length || last.audio.some((a, i) => a.packets < (audio[i]?.packets ?? 0))) {
          audio = last.audio;
          return false;
        }
        const video = others.every((o) => (last.frames.get(o) ?? 0) > (frames.get(o) ?? 0));
        const rising = last.audio.filter((a, i) => {
          const was = audio[i] ?? { packets: 0, samples: 0 };
          return a.packets > was.packets && a.samples > was.samples;
        });
        return video && rising.length >= audioFrom;
      },
      timeoutMs,
      500,
    ).catch((error: unknown) => {
      const show = (x: Progress) => JSON.stringify({ frames: Object.fromEntries(x.frames), audio: x.audio });
      throw new Error(
        `${(error as Error).message}; before ${show(start)}, now ${show(last)}; ${p.name}'s page:\n  ${p.events.join("\n  ")}`,
      );
    });
  }
}

export async function closeAll(people: readonly Participant[]): Promise<void> {
  for (const p of people) await p.call.close();
}
