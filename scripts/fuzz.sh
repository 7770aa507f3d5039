#!/usr/bin/env bash
# Fuzzes the Rust core: builds the targets in fuzz/, runs each for SECONDS
# (default 20) from a scratch copy of its seed corpus, prints one line per
# target and exits non-zero if any target crashed.
#
# cargo-fuzz passes nightly-only flags to rustc; RUSTC_BOOTSTRAP=1 lets the
# stable toolchain accept them, as the release build already does.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
TARGETS=(fields answer connection)
seconds=${1:-20}

say() { printf 'fuzz: %s\n' "$*"; }

case $seconds in
  '' | *[!0-9]* | 0)
    say "SECONDS must be a positive whole number, not '$seconds'."
    exit 2
    ;;
esac

if [ "$(cargo fuzz --version 2>/dev/null)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  say "installing cargo-fuzz $CARGO_FUZZ_VERSION (under a minute, once)"
  cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

export RUSTC_BOOTSTRAP=1

# One build for every target; each run below then only links what is built.
say "building the targets"
started=$SECONDS
cargo fuzz build
say "built in $((SECONDS - started)) s"

# Runs add inputs to the corpus they are given, so they get a copy under
# fuzz/target/ (ignored by git) and the tracked seeds stay as they are. The
# copy is kept between runs, so repeated runs keep what earlier ones found.
scratch=fuzz/target/fuzz-run
summary=()
failed=0
for target in "${TARGETS[@]}"; do
  corpus=$scratch/corpus/$target
  log=$scratch/$target.log
  mkdir -p "$corpus"
  cp fuzz/corpus/"$target"/seed-* "$corpus"/

  say "running $target for $seconds s"
  if cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" >"$log" 2>&1; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -n 1)
    coverage=$(sed -n 's/^#[0-9]*[[:space:]]*DONE[[:space:]]*cov: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
    files=$(find "$corpus" -type f | wc -l)
    summary+=("$target: ok, ${runs:-?} runs, coverage ${coverage:-?}, corpus $files files")
  else
    failed=1
    crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    panic=$(grep -m 1 -A 1 "panicked at" "$log" | tail -n 1 || true)
    summary+=("$target: FAILED, ${panic:-see $log}; input ${crash:-none written}, log $log")
  fi
done

printf '%s\n' "${summary[@]}"
exit "$failed"
