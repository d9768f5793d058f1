// A minimal tar reader: the one file the prebuilt archive is fetched for.
import * as path from "node:path";
import { gunzipSync } from "node:zlib";

/** The contents of the regular file named `want` (any folder) in a .tgz, or null. */
export function extractFromTgz(tgz, want) {
  const tar = gunzipSync(tgz);
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a, b) => h.subarray(a, b).toString("utf8").replace(/\0.*$/s, "");
    const sizeField = h.subarray(124, 136);
    const size = sizeField[0] & 0x80 ? Number(sizeField.readBigUInt64BE(4)) : parseInt(str(124, 136).trim() || "0", 8);
    const type = String.fromCharCode(h[156] || 48);
    const prefix = str(257, 263).startsWith("ustar") ? str(345, 500) : "";
    const name = longName ?? (prefix ? `${prefix}/${str(0, 100)}` : str(0, 100));
    longName = null;
    const data = tar.subarray(off + 512, off + 512 + size);
    if (type === "L") {
      longName = data.toString("utf8").replace(/\0.*$/s, "");
    } else if (type === "x") {
      const m = /\d+ path=([^\n]*)\n/.exec(data.toString("utf8"));
      if (m) longName = m[1];
    } else if ((type === "0" || type === "7") && path.posix.basename(name) === want) {
      return Buffer.from(data);
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return null;
}
