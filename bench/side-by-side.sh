#!/usr/bin/env bash
# Side by side: lwl's Go runtime (infer) and ONNX Runtime (onnxruntime-node, one thread)
# on the same networks and the same 10,000 MNIST test digits. Go runs first, then ORT on
# the bundles exported by lwl-train export; ORT's classes are compared with Go's.
#
#   bench/side-by-side.sh            # needs Go, Node and npm (ORT is installed from npm)
#
# Machines wander by ±15%: run it twice and compare within one run only.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/lwl-train" ./cmd/lwl-train
echo "== Go: go test -bench 'Classify(Dense|Conv)' ./infer (GOMAXPROCS=$(nproc) and 1)"
go test -run '^$' -bench 'Classify(Dense|Conv)' -benchtime 2s ./infer | grep items/s
GOMAXPROCS=1 go test -run '^$' -bench 'Classify(Dense|Conv)/batch=10000' -benchtime 2s ./infer | grep items/s | sed 's/^/GOMAXPROCS=1 /'

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "node/npm not found: skipping ONNX Runtime"; exit 0
fi
[ -d scripts/onnx-check/node_modules ] || (cd scripts/onnx-check && npm ci --ignore-scripts --silent)
for spec in "mnist-classifier float64 op" "mnist-classifier float32 op" "mnist-conv-classifier float32 op" "mnist-conv-classifier float64 matmul"; do
  set -- $spec
  "$tmp/lwl-train" predict -model "testdata/$1.lwlb" -mnist 10000 > "$tmp/$1.csv" 2>/dev/null
  "$tmp/lwl-train" export -format onnx -dtype "$2" -conv "$3" -o "$tmp/m.onnx" "testdata/$1.lwlb"
  echo "== ONNX Runtime: $1 $2 (-conv $3), one thread"
  for batch in 10000 64 1; do
    n=10000; [ "$batch" = 1 ] && n=2000
    printf 'batch=%-6s ' "$batch"
    node scripts/onnx-check/bench.mjs "$tmp/m.onnx" -n "$n" -batch "$batch" -repeat 3 -ref "$tmp/$1.csv" | tail -1 | sed "s|$tmp/||g"
  done
done
