// What we change in mediasoup's worker sources before building them against Debian's libraries.
// Part of the cache key (cache.mjs): a change here makes a new binary.
import * as fs from "node:fs";
import * as path from "node:path";
import { BuildError, log, warn } from "./log.mjs";

// mediasoup bug exposed by Debian's kTLS-enabled OpenSSL: the BIO callback
// gets `BIO_CB_RETURN | op`, so `==` answers 1 to every control query (kTLS
// included) and the worker segfaults on the first DTLS handshake.
const DTLS_PATCH = {
  file: "src/RTC/DtlsTransport.cpp",
  from: "const long resultOfcallback = (operationType == BIO_CB_RETURN) ? static_cast<long>(ret) : 1;",
  to: "const long resultOfcallback = ((operationType & BIO_CB_RETURN) != 0) ? static_cast<long>(ret) : 1;",
};

// Debian 12 ships meson 1.0.1; the worker asks for >= 1.1.0 but builds fine.
const MESON_VERSION_RE = /meson_version\s*:\s*'[^']*'/;
const MESON_VERSION_RELAXED = "meson_version: '>= 1.0.0'";

/** Relaxes meson_version and applies the DTLS fix (exactly once, or it stops) in a copy of worker/. */
export function patchSources(srcDir, version, scratch) {
  const mesonBuild = path.join(srcDir, "meson.build");
  const mesonText = fs.readFileSync(mesonBuild, "utf8");
  if (MESON_VERSION_RE.test(mesonText)) {
    fs.writeFileSync(mesonBuild, mesonText.replace(MESON_VERSION_RE, MESON_VERSION_RELAXED));
  } else {
    warn("worker/meson.build has no meson_version requirement to relax");
  }

  // DTLS fix: must apply exactly once, or the worker crashes on DTLS.
  const dtlsFile = path.join(srcDir, DTLS_PATCH.file);
  const dtlsText = fs.readFileSync(dtlsFile, "utf8");
  const hits = dtlsText.split(DTLS_PATCH.from).length - 1;
  if (hits !== 1) {
    throw new BuildError(
      `cannot apply the DTLS BIO_CB_RETURN fix: expected the text "${DTLS_PATCH.from}" once in worker/${DTLS_PATCH.file}, found it ${hits} times; review the patch for mediasoup ${version} (left the sources in ${scratch})`,
    );
  }
  fs.writeFileSync(dtlsFile, dtlsText.replace(DTLS_PATCH.from, DTLS_PATCH.to));
  log(`patched worker/${DTLS_PATCH.file} (BIO_CB_RETURN test)`);
}
