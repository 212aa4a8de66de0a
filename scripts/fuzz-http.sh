#!/usr/bin/env bash
# libFuzzer + AddressSanitizer on the HTTP request parser for a bounded time (make fuzz-http).
# Kept for the Makefile target: scripts/fuzz.sh does the work for every fuzz target.
set -euo pipefail
FUZZ_SECONDS="${FUZZ_SECONDS:-150}" exec "$(dirname "$0")/fuzz.sh" http
