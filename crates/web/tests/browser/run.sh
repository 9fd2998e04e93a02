#!/usr/bin/env bash
# Headless Chromium check of the service (called by .ci/run after the release build):
# `duban serve --demo` from the release build, honouring CARGO_TARGET_DIR.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
bin="${CARGO_TARGET_DIR:-target}/release/duban"
[ -x "$bin" ] || cargo build --release -q -p duban
# A separate default: the {port} placeholders' braces would end a ${…:-…} expansion early.
default_cmd="$bin serve --demo --bind 127.0.0.1:{port} --database-url sqlite://{db}"
export DUBAN_SERVE_CMD="${DUBAN_SERVE_CMD:-$default_cmd}"
python3 crates/web/tests/browser/check.py
