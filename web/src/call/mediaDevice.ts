import type { Device, RtpCapabilities } from "mediasoup-client/types";

/**
 * One thing loaded ahead for a router's capabilities, taken by the first call that wants it for
 * the same capabilities. Loading a mediasoup-client Device (the browser builds a throwaway peer
 * connection to learn what it can send and receive) takes about 100 ms on a small machine, so
 * the lobby starts it while the person looks at the preview, when the room preview names the
 * router; the call takes it after `joined` instead of loading its own then.
 */
export class PreparedLoad<T> {
  readonly #load: (capabilities: RtpCapabilities) => Promise<T>;
  #prepared: { key: string; value: Promise<T> } | null = null;

  constructor(load: (capabilities: RtpCapabilities) => Promise<T>) {
    this.#load = load;
  }

  /** Starts loading for a router with `capabilities`; again for the same ones does nothing. */
  prepare(capabilities: RtpCapabilities): void {
    const key = JSON.stringify(capabilities);
    if (this.#prepared?.key === key) return;
    const value = this.#load(capabilities);
    value.catch(() => {}); // take() loads again then
    this.#prepared = { key, value };
  }

  /**
   * The value for `capabilities`: the prepared one when it was made for the same capabilities and
   * loaded (taken, so it serves one call), else a new one.
   */
  async take(capabilities: RtpCapabilities): Promise<T> {
    const ready = this.#prepared;
    this.#prepared = null;
    if (ready?.key === JSON.stringify(capabilities)) {
      try {
        return await ready.value;
      } catch {
        // loaded again below, with the same error if it fails again
      }
    }
    return this.#load(capabilities);
  }
}

async function loadMediasoupDevice(capabilities: RtpCapabilities): Promise<Device> {
  const { Device } = await import("mediasoup-client").catch((error: unknown) => {
    throw new Error("the media client did not load; reload the page to try again", { cause: error });
  });
  const device = await Device.factory();
  await device.load({ routerRtpCapabilities: capabilities });
  return device;
}

const devices = new PreparedLoad(loadMediasoupDevice);

/** Starts loading the media device for a router with `capabilities` (the lobby's preview). */
export function prepareDevice(capabilities: RtpCapabilities): void {
  devices.prepare(capabilities);
}

/** A media device loaded for `capabilities` (`joined.sfu`'s): the prepared one when it fits. */
export function loadDevice(capabilities: RtpCapabilities): Promise<Device> {
  return devices.take(capabilities);
}
