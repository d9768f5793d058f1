import { randomBytes } from "node:crypto";
import { readdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { RecordingManifest } from "@huddle/protocol";

export const MANIFEST_FILE = "manifest.json";

/** Writes the manifest atomically (a crash leaves the previous or the new one, never half of one). */
export async function writeManifest(dir: string, manifest: RecordingManifest): Promise<void> {
  const tmp = join(dir, `.${MANIFEST_FILE}.${randomBytes(4).toString("hex")}`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(tmp, join(dir, MANIFEST_FILE));
}

/** Every readable manifest under `roomDir` (one folder per recording), oldest first. */
export async function readManifests(roomDir: string): Promise<RecordingManifest[]> {
  let names: string[];
  try {
    names = (await readdir(roomDir)).sort();
  } catch {
    return [];
  }
  const manifests: RecordingManifest[] = [];
  for (const name of names) {
    try {
      const parsed = RecordingManifest.safeParse(
        JSON.parse(await readFile(join(roomDir, name, MANIFEST_FILE), "utf8")),
      );
      if (parsed.success) manifests.push(parsed.data);
    } catch {
      // Not a recording folder, or its manifest is unreadable: not listed.
    }
  }
  return manifests;
}

/** A new recording id: UTC time to the second and 8 random hex digits (sorts by time). */
export function newRecordingId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(4).toString("hex")}`;
}
