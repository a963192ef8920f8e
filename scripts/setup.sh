#!/usr/bin/env bash
# Installs the system packages ydnn needs, if any are missing. Idempotent and quiet
# when everything is present. Uses sudo only when not root.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libedit-dev libopenblas-dev pkg-config tmux chromium "$@"; do
    have_pkg "$pkg" || need+=("$pkg")
done

SUDO_CMD=""
[ "$(id -u)" -ne 0 ] && SUDO_CMD="sudo"
if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=$SUDO_CMD
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The retrieval tests read exported .npy files back with numpy.
if command -v python3 >/dev/null 2>&1 && ! python3 -c "import numpy" >/dev/null 2>&1; then
    echo "setup: installing numpy for python3 (tests only)"
    python3 -m pip install -q numpy || $SUDO_CMD apt-get install -y -qq python3-numpy >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH (ydnn needs Swift 6.x; see https://swift.org/install)" >&2
    exit 1
fi
