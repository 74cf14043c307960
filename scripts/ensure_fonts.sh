#!/usr/bin/env bash
# The route-sheet PDF embeds IPAex Gothic (Debian's fonts-ipaexfont-gothic, IPA Font License)
# so that every PDF viewer shows its Japanese text, with or without a Japanese font of its own
# (app/routesheets/pdf.py; ROUTE_SHEET_FONT in README "Configuration"). Installs the package if
# its font file is missing; a new machine has only what the project installs. Quick when the
# font is there, so `make run` and `make test` both call it.
set -euo pipefail
FONT=/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf
if [ -f "$FONT" ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "Installing Debian's fonts-ipaexfont-gothic for the route-sheet PDF..."
export DEBIAN_FRONTEND=noninteractive
# Wait for another apt run (e.g. scripts/ensure_chromium.sh) rather than fail on its lock.
APT=(-o DPkg::Lock::Timeout=600)
# A machine that never ran apt-get update has no package lists to install from.
if ! apt-cache show fonts-ipaexfont-gothic >/dev/null 2>&1; then
  $SUDO apt-get "${APT[@]}" update -qq
fi
$SUDO apt-get "${APT[@]}" install -y -qq --no-install-recommends fonts-ipaexfont-gothic >/dev/null
test -f "$FONT"
