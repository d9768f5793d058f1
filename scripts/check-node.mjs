// Plain JavaScript on purpose: it must run on any Node.js, so `npm start` on an old one says what
// to do instead of failing to parse TypeScript. Node runs our .ts files itself from 22.18 on.
const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  console.error(
    `\n[start] Node.js ${process.versions.node} is too old: install Node.js 22.18 or newer (https://nodejs.org, or \`nvm install 22\`), then run \`npm start\` again.\n`,
  );
  process.exit(1);
}
