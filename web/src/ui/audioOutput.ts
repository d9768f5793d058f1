import type { RefObject } from "preact";
import { useEffect } from "preact/hooks";
import { speakerSelectionSupported } from "../call/LocalMedia.ts";

/**
 * Plays an <audio> element on the chosen output (`setSinkId`; null: the system default).
 * Browsers without `setSinkId` keep the default (the settings say so); an output that went
 * away falls back to the default.
 */
export function useAudioOutput(ref: RefObject<HTMLAudioElement | null>, sinkId: string | null): void {
  useEffect(() => {
    const element = ref.current as (HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> }) | null;
    if (element === null || !speakerSelectionSupported() || element.setSinkId === undefined) return;
    element.setSinkId(sinkId ?? "").catch((error: unknown) => {
      console.warn("huddle: could not play sound on the chosen speaker; using the default", error);
      void element.setSinkId?.("").catch(() => {});
    });
  }, [ref, sinkId]);
}
