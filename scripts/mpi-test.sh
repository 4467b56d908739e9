#!/usr/bin/env bash
# The MPI test of lwl (issue 24): builds lwl-train with -tags mpi, runs a small classifier
# and NMF problem under `mpirun -np 1`, `-np 2` and `-np 3 --oversubscribe` on localhost (and
# a small generative run, autoencoder and filter, and a filter retraining on 2 and 3), and
# compares every output with the one-process run of the default build with as many parallel
# parts (-workers ranks × workers): the classifier's checkpoint bit for bit (float64 weights
# and biases; the bundle holds float32), its bundle byte for byte, the NMF's features and
# codes CSVs (shortest exact decimals) and bundle, the generator bundles. Then the bad
# input: ranks started with different command lines, a command that does not run on several
# ranks, and a rank that dies must end the job with an error (never hang). Skips, with a message, without mpirun.
# .ci/run calls it; run it alone with scripts/mpi-test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v mpirun >/dev/null 2>&1; then
  echo "== MPI test skipped: no mpirun (apt-get install libopenmpi-dev openmpi-bin)"
  exit 0
fi
echo "== MPI test ($(mpirun --version 2>&1 | head -1))"
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/lwl-train" ./cmd/lwl-train
go build -tags mpi -o "$tmp/lwl-train-mpi" ./cmd/lwl-train
go build -o "$tmp/mpicmp" ./scripts/mpicmp
go vet -tags mpi ./...
go tool staticcheck -tags mpi ./...
# A rank that hangs would stall CI: every mpirun has a time limit.
mpi() { timeout 120 mpirun --oversubscribe "$@"; }
cd "$tmp"

classify=(classify -majority 2 -epochs 2 -iter 40 -batch 100 -ee 2 -relabel)
nmf_exact=(nmf -ledm 6 -rank 5 -batch 0 -epochs 1 -iter 300)
nmf_online=(nmf -montage -montage-n 60 -rank 8 -batch 20 -epochs 3 -iter 20)
for np in 1 2 3; do
  for w in 1 2; do
    parts=$((np * w))
    ./lwl-train "${classify[@]}" -workers $parts -out "c1-$parts" -checkpoint "c1-$parts/ckpt" >/dev/null 2>&1
    mpi -np $np ./lwl-train-mpi "${classify[@]}" -workers $w -out "c$np-$w" -checkpoint "c$np-$w/ckpt" >"c$np-$w.log" 2>&1
    ./mpicmp "c1-$parts/ckpt" "c$np-$w/ckpt"
    ./mpicmp "c1-$parts/classifier.lwlb" "c$np-$w/classifier.lwlb"
    for run in exact online; do
      if [ $run = exact ]; then args=("${nmf_exact[@]}"); else args=("${nmf_online[@]}"); fi
      ./lwl-train "${args[@]}" -workers $parts -out "n$run-1-$parts" >/dev/null 2>&1
      mpi -np $np ./lwl-train-mpi "${args[@]}" -workers $w -out "n$run-$np-$w" >"n$run-$np-$w.log" 2>&1
      for f in features.csv codes.csv; do
        cmp "n$run-1-$parts/$f" "n$run-$np-$w/$f"
      done
      ./mpicmp "n$run-1-$parts/model.lwlb" "n$run-$np-$w/model.lwlb"
    done
    echo "   $np ranks × $w workers = the one-process run with $parts workers (classify, nmf exact and online)"
  done
done
# The generative command (autoencoder with iDE codes, then its filter) and the filter
# retrained on its bundle, on 2 and 3 ranks of one worker: the bundles equal the
# one-process runs' with 2 and 3 workers (float32 parameters; the float64 iterates are
# compared bit for bit by go test ./train -run Sharded).
gen=(generative -items 60 -test-items 20 -epochs 1 -hidden 12 -codes 4 -filter-epochs 1 -filter-iter 10 -filter-batch 60)
filt=(filter -epochs 1 -iter 10 -batch 50 -test-items 20)
for np in 2 3; do
  ./lwl-train "${gen[@]}" -workers $np -o "g1-$np/gen.lwlb" >/dev/null 2>&1
  mpi -np $np ./lwl-train-mpi "${gen[@]}" -workers 1 -o "g$np/gen.lwlb" >"g$np.log" 2>&1
  ./mpicmp "g1-$np/gen.lwlb" "g$np/gen.lwlb"
  ./lwl-train "${filt[@]}" -generator "g1-$np/gen.lwlb" -workers $np -o "f1-$np/gen.lwlb" >/dev/null 2>&1
  mpi -np $np ./lwl-train-mpi "${filt[@]}" -generator "g1-$np/gen.lwlb" -workers 1 -o "f$np/gen.lwlb" >"f$np.log" 2>&1
  ./mpicmp "f1-$np/gen.lwlb" "f$np/gen.lwlb"
  echo "   $np ranks × 1 worker = the one-process run with $np workers (generative, filter)"
done
# Progress and results come from rank 0 only: one table, not one per rank.
[ "$(grep -c '^train_err' c3-1.log)" = 1 ] || { echo "classify under 3 ranks printed $(grep -c '^train_err' c3-1.log) results"; exit 1; }
# The checkpoint of a 2-rank run resumes in one process (and the other way round) with the
# result of an unbroken run.
mpi -np 2 ./lwl-train-mpi "${classify[@]}" -workers 1 -out r2 -checkpoint r2/ckpt >/dev/null 2>&1
./lwl-train "${classify[@]}" -epochs 3 -workers 2 -out r2 -checkpoint r2/ckpt -resume >/dev/null 2>&1
./lwl-train "${classify[@]}" -epochs 3 -workers 2 -out u3 -checkpoint u3/ckpt >/dev/null 2>&1
./mpicmp u3/ckpt r2/ckpt
./lwl-train "${classify[@]}" -workers 2 -out r1 -checkpoint r1/ckpt >/dev/null 2>&1
mpi -np 2 ./lwl-train-mpi "${classify[@]}" -epochs 3 -workers 1 -out r1 -checkpoint r1/ckpt -resume >/dev/null 2>&1
./mpicmp u3/ckpt r1/ckpt
echo "   a checkpoint of 2 ranks resumes in 1 process and one of 1 process on 2 ranks"

expect_fail() { # what, pattern, command...
  local what=$1 pat=$2; shift 2
  local rc=0
  "$@" >fail.log 2>&1 || rc=$?
  if [ $rc = 0 ] || [ $rc = 124 ]; then
    echo "$what: exit status $rc (want an error, not success or a hang)"; cat fail.log; exit 1
  fi
  grep -q -- "$pat" fail.log || { echo "$what: no \"$pat\" in the output:"; cat fail.log; exit 1; }
  echo "   $what: error, as it should ($(grep -m1 -- "$pat" fail.log | cut -c1-150))"
}
expect_fail "different command lines" "different command lines" \
  timeout 60 mpirun --oversubscribe -np 1 ./lwl-train-mpi "${classify[@]}" -seed 1 -out bad : -np 1 ./lwl-train-mpi "${classify[@]}" -seed 2 -out bad
expect_fail "repro on 2 ranks" "repro does not run on several MPI ranks" \
  mpi -np 2 ./lwl-train-mpi repro ledm -m 3 -runs 1
# Rank 1 is killed two seconds into a long run: mpirun must end rank 0 too.
expect_fail "a rank killed mid-run" "exited on signal\|killed\|Killed" \
  timeout 60 mpirun --oversubscribe -np 1 ./lwl-train-mpi "${classify[@]}" -epochs 400 -out bad : \
  -np 1 sh -c './lwl-train-mpi "$@" & p=$!; sleep 2; kill -9 $p; wait $p' sh "${classify[@]}" -epochs 400 -out bad
echo "MPI test passed"
