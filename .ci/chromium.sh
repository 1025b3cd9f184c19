#!/usr/bin/env bash
# Install (Debian packages) headless Chromium and its WebDriver for the browser tests (tests/browser/).
# Idempotent: does nothing when both are already installed.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  echo "chromium ready ($(chromium --version 2>/dev/null | head -1))"
  exit 0
fi
if [ "$(id -u)" = "0" ]; then SUDO=""; else SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
echo "chromium ready ($(chromium --version 2>/dev/null | head -1))"
