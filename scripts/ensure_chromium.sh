#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright (no browser download); the route
# sheet tests read PDFs with poppler's pdftotext / pdftoppm (poppler-data maps the Japanese
# CID fonts to text). Install whatever is missing; a new machine has only what the project
# installs.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
    && command -v pdftoppm >/dev/null 2>&1 && [ -d /usr/share/poppler/cMap/Adobe-Japan1 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing Debian's chromium and poppler-utils for the browser and PDF tests..."
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk poppler-utils poppler-data >/dev/null
command -v chromium
command -v pdftotext
