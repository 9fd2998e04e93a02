#!/usr/bin/env bash
# Headless Chromium check of the service (called by .ci/run after the release build).
set -euo pipefail
cd "$(dirname "$0")/../../../.."
python3 crates/web/tests/browser/check.py
