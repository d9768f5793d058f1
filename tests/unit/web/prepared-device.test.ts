import type { RtpCapabilities } from "mediasoup-client/types";
import { describe, expect, it } from "vitest";
import { PreparedLoad } from "../../../web/src/call/mediaDevice.ts";

const routerA: RtpCapabilities = {
  codecs: [{ kind: "audio", mimeType: "audio/opus", clockRate: 48000, channels: 2, preferredPayloadType: 100 }],
};
const routerB: RtpCapabilities = {
  codecs: [{ kind: "video", mimeType: "video/VP8", clockRate: 90000, preferredPayloadType: 101 }],
};

/** A loader that records what it was asked for and answers with a numbered value (or fails the first `failures`). */
function loader(failures = 0) {
  const asked: RtpCapabilities[] = [];
  const load = async (capabilities: RtpCapabilities) => {
    asked.push(capabilities);
    if (asked.length <= failures) throw new Error("the media client did not load");
    return { loaded: asked.length, for: capabilities };
  };
  return { asked, devices: new PreparedLoad(load) };
}

describe("the media device the lobby prepares", () => {
  it("is the one the call takes when the router is the same, loaded once", async () => {
    const { asked, devices } = loader();
    devices.prepare(routerA);
    devices.prepare(structuredClone(routerA)); // the lobby's preview again, every 10 s
    expect(await devices.take(structuredClone(routerA))).toEqual({ loaded: 1, for: routerA });
    expect(asked).toHaveLength(1);
  });

  it("serves one call: the next call loads its own", async () => {
    const { asked, devices } = loader();
    devices.prepare(routerA);
    await devices.take(routerA);
    expect(await devices.take(routerA)).toEqual({ loaded: 2, for: routerA });
    expect(asked).toHaveLength(2);
  });

  it("is not used for another router (the room moved to another node)", async () => {
    const { asked, devices } = loader();
    devices.prepare(routerA);
    expect(await devices.take(routerB)).toEqual({ loaded: 2, for: routerB });
    expect(asked).toEqual([routerA, routerB]);
  });

  it("is replaced when the preview names another router before Join", async () => {
    const { devices } = loader();
    devices.prepare(routerA);
    devices.prepare(routerB);
    expect(await devices.take(routerB)).toEqual({ loaded: 2, for: routerB });
  });

  it("is loaded again by the call when preparing it failed, and a second failure reaches the call", async () => {
    const once = loader(1);
    once.devices.prepare(routerA);
    expect(await once.devices.take(routerA)).toEqual({ loaded: 2, for: routerA });
    const twice = loader(2);
    twice.devices.prepare(routerA);
    await expect(twice.devices.take(routerA)).rejects.toThrow("the media client did not load");
  });

  it("loads a new one when nothing was prepared", async () => {
    const { asked, devices } = loader();
    expect(await devices.take(routerA)).toEqual({ loaded: 1, for: routerA });
    expect(asked).toHaveLength(1);
  });
});
