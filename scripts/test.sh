#!/usr/bin/env bash
# Runs every test: installs what is missing, checks formatting and lints,
# runs the Rust core's host tests, a bounded fuzz run and the bindings' tests in
# Node, builds the package, then runs the JavaScript tests (the mock portal, every behaviour
# against it, the import checks in Node and Chromium, and the size budget).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh --browser

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (host and wasm32)"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --all-targets --all-features -- -D warnings

step "cargo test (the core, on the host)"
cargo test

step "fuzz the core's input readers (bounded)"
bash scripts/fuzz.sh 15

step "wasm-pack test --node (the bindings)"
wasm-pack test --node

step "build the package"
node scripts/build.mjs

step "JavaScript tests"
bash scripts/test-js.sh
