/**
 * RNNoise noise suppression (`@sapphi-red/web-noise-suppressor`, a WebAssembly build of
 * xiph/rnnoise) as an AudioWorklet between the microphone and what the call sends:
 * microphone -> MediaStreamSource -> RnnoiseWorkletNode -> MediaStreamDestination. The
 * output track stays the same while the input changes (a switch of microphone), so the
 * call's sender does not even see the switch. The worklet and both wasm builds are bundled
 * by Vite into web/dist (`?url` imports) and loaded on first use: nothing comes from a CDN.
 */
import rnnoiseWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise.wasm?url";
import rnnoiseSimdWasmUrl from "@sapphi-red/web-noise-suppressor/rnnoise_simd.wasm?url";
import rnnoiseWorkletUrl from "@sapphi-red/web-noise-suppressor/rnnoiseWorklet.js?url";

/** RNNoise works on 48 kHz frames. */
const SAMPLE_RATE = 48_000;

/** Whether this browser can run the worklet at all (AudioWorklet and WebAssembly). */
export function noiseSuppressionSupported(): boolean {
  return (
    typeof AudioContext === "function" &&
    typeof AudioWorkletNode === "function" &&
    typeof WebAssembly === "object" &&
    "audioWorklet" in AudioContext.prototype
  );
}

let wasmBinary: Promise<ArrayBuffer> | null = null;

/**
 * An audio context started before the page had a click or key press is held suspended by the
 * browser's autoplay policy (its `resume()` would wait for one): it starts on the first one.
 */
function resumeWhenAllowed(context: AudioContext): void {
  if (context.state === "running") return;
  const resume = () => {
    if (context.state === "closed") return;
    void context.resume();
    for (const type of ["pointerdown", "keydown"]) document.removeEventListener(type, resume, true);
  };
  void context.resume().catch(() => {});
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, resume, true);
}

export class NoiseSuppressor {
  readonly output: MediaStreamTrack;
  #context: AudioContext;
  #node: AudioWorkletNode & { destroy(): void };
  #source: MediaStreamAudioSourceNode | null = null;
  #closed = false;

  private constructor(context: AudioContext, node: AudioWorkletNode & { destroy(): void }) {
    this.#context = context;
    this.#node = node;
    const destination = context.createMediaStreamDestination();
    node.connect(destination);
    const output = destination.stream.getAudioTracks()[0];
    if (output === undefined) throw new Error("the audio graph gave no output track");
    this.output = output;
  }

  /** Rejects when the browser cannot run it (no AudioWorklet, the wasm did not load). */
  static async create(input: MediaStreamTrack): Promise<NoiseSuppressor> {
    if (!noiseSuppressionSupported()) throw new Error("this browser has no AudioWorklet");
    const { loadRnnoise, RnnoiseWorkletNode } = await import("@sapphi-red/web-noise-suppressor");
    wasmBinary ??= loadRnnoise({ url: rnnoiseWasmUrl, simdUrl: rnnoiseSimdWasmUrl }).catch((error: unknown) => {
      wasmBinary = null;
      throw error;
    });
    const context = new AudioContext({ sampleRate: SAMPLE_RATE, latencyHint: "interactive" });
    try {
      const [binary] = await Promise.all([wasmBinary, context.audioWorklet.addModule(rnnoiseWorkletUrl)]);
      const node = new RnnoiseWorkletNode(context, { wasmBinary: binary, maxChannels: 1 });
      const suppressor = new NoiseSuppressor(context, node);
      suppressor.setInput(input);
      resumeWhenAllowed(context);
      return suppressor;
    } catch (error) {
      void context.close();
      throw error;
    }
  }

  /** Feeds another microphone track in; the output track stays the same. */
  setInput(track: MediaStreamTrack): void {
    if (this.#closed) return;
    this.#source?.disconnect();
    this.#source = this.#context.createMediaStreamSource(new MediaStream([track]));
    this.#source.connect(this.#node);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#source?.disconnect();
    this.#node.disconnect();
    this.#node.destroy();
    this.output.stop();
    void this.#context.close();
  }
}
