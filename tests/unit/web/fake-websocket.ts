import { afterEach, beforeEach, vi } from "vitest";

/**
 * A stand-in for the browser's WebSocket, driven by the test as the edge would: `open()`,
 * `receive(...)` a frame, `drop(...)` the connection. What the client sent is in `sent`.
 * Every socket made is kept in `FakeWebSocket.made`, newest last.
 */
export class FakeWebSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static made: FakeWebSocket[] = [];

  readonly url: string;
  readyState = FakeWebSocket.CONNECTING;
  readonly sent: string[] = [];
  /** How the client closed it, if it did. */
  closedBy: { code: number | undefined; reason: string | undefined } | null = null;
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;

  constructor(url: string) {
    this.url = url;
    FakeWebSocket.made.push(this);
  }

  static latest(): FakeWebSocket {
    const socket = FakeWebSocket.made.at(-1);
    if (socket === undefined) throw new Error("no WebSocket was opened");
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== FakeWebSocket.OPEN) throw new Error("InvalidStateError: the socket is not open");
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.closedBy = { code, reason };
  }

  // The edge's side.

  open(): void {
    this.readyState = FakeWebSocket.OPEN;
    this.onopen?.(new Event("open"));
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }

  drop(code = 1006, reason = ""): void {
    this.readyState = FakeWebSocket.CLOSED;
    this.onclose?.({ code, reason });
  }

  /** The sent frames that are JSON messages (the keepalive ping is one too). */
  messages(): { type: string; data: Record<string, unknown>; requestId?: string }[] {
    return this.sent.map((frame) => JSON.parse(frame));
  }

  lastMessage(): { type: string; data: Record<string, unknown>; requestId?: string } {
    const last = this.messages().at(-1);
    if (last === undefined) throw new Error("nothing was sent");
    return last;
  }
}

/**
 * For each test of the calling file: fake timers, this WebSocket in place of the browser's, a
 * `window` to dispatch events on, console.warn silenced; all undone after the test.
 */
export function useFakeBrowser(): void {
  beforeEach(() => {
    vi.useFakeTimers();
    FakeWebSocket.made = [];
    vi.stubGlobal("WebSocket", FakeWebSocket);
    vi.stubGlobal("window", new EventTarget());
    vi.spyOn(console, "warn").mockImplementation(() => {});
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
}
