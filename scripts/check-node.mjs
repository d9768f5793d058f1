// The one Node.js version rule: package.json's `engines.node` (">=MAJOR.MINOR"), checked by
// `npm start` (which then says what to do) and by scripts/node22.sh (`--quiet`: exit code only).
// Plain JavaScript on purpose: it must run on any Node.js, so `npm start` on an old one says what
// to do instead of failing to parse TypeScript. Node runs our .ts files itself from 22.18 on.
import { readFileSync } from "node:fs";

const engines = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).engines.node;
const wanted = /^>=\s*(\d+)\.(\d+)$/.exec(engines);
if (!wanted)
  throw new Error(`package.json engines.node is "${engines}"; scripts/check-node.mjs reads only ">=MAJOR.MINOR"`);
const [minMajor, minMinor] = [Number(wanted[1]), Number(wanted[2])];
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < minMajor || (major === minMajor && minor < minMinor)) {
  if (!process.argv.includes("--quiet")) {
    console.error(
      `\n[start] Node.js ${process.versions.node} is too old: install Node.js ${minMajor}.${minMinor} or newer (https://nodejs.org, or \`nvm install ${minMajor}\`), then run \`npm start\` again.\n`,
    );
  }
  process.exit(1);
}
