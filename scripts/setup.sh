#!/usr/bin/env bash
# Installs the system packages ydnn needs, if any are missing. Idempotent and quiet
# when everything is present. Uses sudo only when not root.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for pkg in libedit-dev libopenblas-dev pkg-config tmux chromium "$@"; do
    have_pkg "$pkg" || need+=("$pkg")
done

if [ ${#need[@]} -gt 0 ]; then
    echo "setup: installing ${need[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: swift is not on PATH (ydnn needs Swift 6.x; see https://swift.org/install)" >&2
    exit 1
fi
