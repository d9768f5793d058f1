/** Bars of a level meter. */
export const LEVEL_BARS = 3;

/**
 * How many of the LEVEL_BARS bars a WebRTC `audioLevel` (0..1, linear amplitude) lights. The
 * scale is logarithmic, as loudness is heard: about -50 dBFS (a quiet room) lights none, normal
 * speech one to three.
 */
export function litBars(level: number): number {
  if (!(level > 0)) return 0;
  const db = 20 * Math.log10(Math.min(1, level));
  const steps = [-50, -35, -22];
  return steps.filter((threshold) => db > threshold).length;
}
