#!/usr/bin/env bash
# Gathers what a production image holds from a built tree (after `npm run build` and
# `npm prune --omit=dev`): dist/, the pruned node_modules, package.json (marks the project root)
# and the files services read at run time. The Dockerfile and CI's production-shape check both
# use it, so what CI starts is what the image runs.
#   scripts/assemble-runtime.sh <built tree> <output folder>
set -euo pipefail
src=$1
out=$2
mkdir -p "$out/prisma" "$out/gateway"
cp -r "$src/package.json" "$src/package-lock.json" "$src/node_modules" "$src/dist" "$out/"
# Applied by the subgraphs at start.
cp -r "$src/prisma/migrations" "$out/prisma/migrations"
# The gateway's supergraph, the partner contract (its supergraph and published SDL), the live dashboard and the IDE page.
cp "$src/gateway/supergraph.graphql" "$out/gateway/supergraph.graphql"
mkdir -p "$out/gateway/contracts"
cp "$src/gateway/contracts/partner.graphql" "$src/gateway/contracts/partner.supergraph.graphql" "$out/gateway/contracts/"
cp -r "$src/gateway/dashboard" "$src/gateway/ide" "$out/gateway/"
rm -f "$out/dist/.tsbuildinfo"
