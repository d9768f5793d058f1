// What a publisher's own browser does to its simulcast layers (its CPU or bandwidth adaptation
// stops the top one whenever it likes), done by hand from a test.
import type { CallPage } from "./call-page.ts";

/** Before the app loads: keep every video sender the page makes (to stop a layer of Alice's camera). */
export function keepVideoSenders(): void {
  const w = window as unknown as { __videoSenders: RTCRtpSender[] };
  w.__videoSenders = [];
  const native = RTCPeerConnection.prototype.addTransceiver;
  RTCPeerConnection.prototype.addTransceiver = function (this: RTCPeerConnection, what, init) {
    const transceiver = native.call(this, what, init);
    if ((typeof what === "string" ? what : what.kind) === "video") w.__videoSenders.push(transceiver.sender);
    return transceiver;
  };
}

/**
 * Turns the top encoding of every simulcast video the page sends off or on: what a browser's CPU
 * or bandwidth adaptation does to a publisher's top layer whenever it likes.
 */
export async function setTopLayer(page: CallPage, active: boolean): Promise<number> {
  return page.page.evaluate(async (active) => {
    let changed = 0;
    for (const sender of (window as unknown as { __videoSenders: RTCRtpSender[] }).__videoSenders) {
      const parameters = sender.getParameters();
      const top = parameters.encodings.at(-1);
      if (sender.track === null || parameters.encodings.length < 2 || top === undefined) continue;
      top.active = active;
      await sender.setParameters(parameters);
      changed++;
    }
    return changed;
  }, active);
}
