#!/usr/bin/env bash
# Runs the JavaScript tests (all of tests/js/, or the files given) with the
# certificate the HTTPS mock portal serves trusted from the start, as the
# official SDK requires. Expects the package to be built (npm run build).
set -euo pipefail
cd "$(dirname "$0")/.."

tls_dir="$PWD/tests/.tmp/tls"
export B24_TEST_TLS_DIR="$tls_dir"
NODE_EXTRA_CA_CERTS="$(node tests/js/support/tls.mjs "$tls_dir")"
export NODE_EXTRA_CA_CERTS

if [ "$#" -eq 0 ]; then set -- tests/js/; fi
node --test --test-concurrency=2 "$@"
