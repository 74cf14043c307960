#!/usr/bin/env bash
# The hand-over test (tests/app/test_handover.py) opens the city's encrypted package with a real
# external tool, as the city does: 7-Zip (Debian's p7zip-full, LGPL). Installs the package if
# `7z` is missing; a new machine has only what the project installs. Quick when it is there.
set -euo pipefail
if command -v 7z >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing Debian's p7zip-full for the hand-over package test..."
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (e.g. scripts/ensure_fonts.sh) rather than fail on its lock.
APT=(-o DPkg::Lock::Timeout=600)
# A machine that never ran apt-get update has no package lists to install from.
if ! apt-cache show p7zip-full >/dev/null 2>&1; then
  $SUDO apt-get "${APT[@]}" update -qq
fi
$SUDO apt-get "${APT[@]}" install -y -qq --no-install-recommends p7zip-full >/dev/null
command -v 7z >/dev/null
