// WAV files for Chromium's fake microphone (`--use-file-for-fake-audio-capture`). Chromium's own
// fake microphone is a beep, which Opus codes in CELT mode, so neither the server's speaker
// detection nor Opus in-band FEC (SILK only) sees speech; espeak-ng makes some.
import { execFileSync } from "node:child_process";

const WORDS =
  "Good morning everyone. Thank you for joining the call today. Let us look at the numbers for this week, " +
  "then talk about the plans for the next one, and finish with questions from the team.";

/** Writes about 12 s of spoken English (espeak-ng) to `file`. */
export function writeSpeechWav(file: string): void {
  execFileSync("espeak-ng", ["-s", "150", "-w", file, WORDS]);
}
