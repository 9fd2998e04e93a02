#!/usr/bin/env bash
# Headless Chromium check of the service (called by .ci/run after the release build).
# Uses `target/release/duban serve`; while the CLI has no `serve`, the crate's own `serve`
# example runs the same Application instead, and says so.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
if [ -z "${DUBAN_SERVE_CMD:-}" ] && ! target/release/duban serve --help >/dev/null 2>&1; then
  echo "target/release/duban has no 'serve' command; using the duban-web serve example"
  cargo build --release -q -p duban-web --example serve
  export DUBAN_SERVE_CMD="target/release/examples/serve --demo --bind 127.0.0.1:{port} --database-url sqlite://{db}"
fi
python3 crates/web/tests/browser/check.py
