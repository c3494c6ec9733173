#!/usr/bin/env bash
# Builds the production runtime as the Dockerfile does — in a copy of this tree: `npm run build`,
# `npm prune --omit=dev`, scripts/assemble-runtime.sh — and starts every service entry from it
# (scripts/production-shape.mjs), on the Node major the image runs. Needs DATABASE_URL (PostgreSQL);
# uses REDIS_URL when set.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

# The image's Node line (Dockerfile NODE_IMAGE) is the one this check must run on.
image_major=$(sed -n 's/^ARG NODE_IMAGE=node:\([0-9]*\).*/\1/p' "$root/Dockerfile")
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ -z "$image_major" ] || [ "$image_major" != "$node_major" ]; then
  echo "production shape: the image runs Node ${image_major:-?} (Dockerfile NODE_IMAGE), this check runs on Node $(node -v);" >&2
  echo "run it on Node ${image_major:-?} (docs/operations.md: Testing on another Node version)" >&2
  exit 1
fi
echo "Node $(node -v), the image's line (node:$image_major)"
work=$(mktemp -d "${TMPDIR:-/tmp}/production-shape-XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "copying the tree to $work"
mkdir -p "$work/tree"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/tree")
cp -a "$root/node_modules" "$work/tree/node_modules"

echo "npm run build && npm prune --omit=dev"
(cd "$work/tree" && npm run -s build && npm prune --omit=dev --no-audit --no-fund --loglevel=error)
bash "$root/scripts/assemble-runtime.sh" "$work/tree" "$work/runtime"
rm -rf "$work/tree"

echo "starting each service entry with NODE_ENV=production"
node "$root/scripts/production-shape.mjs" "$work/runtime"
