#!/usr/bin/env bash
# `make jupyter`: the ydnn Jupyter kernel. Creates a venv (.venv-jupyter) with
# pinned ipykernel, jupyter_client, nbclient, nbformat and nbconvert (and pytest
# and pillow for scripts/test-jupyter.sh), installs python/ydnn_kernel into it
# (editable), and installs the "ydnn" kernelspec with `jupyter kernelspec install
# --user` (under $JUPYTER_DATA_DIR when that is set, as the tests do). The
# kernelspec runs the venv's python and passes YDNN_BIN, the release binary.
# Idempotent: with nothing to install it takes about a second.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${YDNN_JUPYTER_VENV:-$root/.venv-jupyter}
ydnn_bin=${YDNN_BIN:-$root/.build/release/ydnn}
python=${PYTHON:-python3}
pins=(ipykernel==7.4.0 jupyter-client==8.10.0 nbclient==0.11.0 nbformat==5.11.1 nbconvert==7.17.2
      pytest==9.2.0 pillow==13.0.0)

if [ ! -x "$ydnn_bin" ]; then
    echo "setup-jupyter: no ydnn binary at $ydnn_bin (run: make build)" >&2
    exit 1
fi
if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-jupyter: $python not found (the kernel needs Python 3.9 or later)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "setup-jupyter: creating $venv"
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        # Debian's python3 keeps venv (ensurepip) in a separate package.
        rm -rf "$venv"
        sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv "$venv"
    fi
fi
stamp="$venv/.ydnn-kernel-installed"
want="$(printf '%s\n' "${pins[@]}"; cat python/pyproject.toml)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "setup-jupyter: installing ${pins[*]} and python/ydnn_kernel into $venv"
    "$venv/bin/pip" install -q --disable-pip-version-check "${pins[@]}"
    "$venv/bin/pip" install -q --disable-pip-version-check -e "$root/python"
    printf '%s' "$want" > "$stamp"
fi

spec_dir="$venv/share/ydnn-kernelspec"
"$venv/bin/python" -m ydnn_kernel.install --write-spec "$spec_dir" --ydnn-bin "$ydnn_bin" >/dev/null
"$venv/bin/jupyter" kernelspec install --user --replace --name ydnn "$spec_dir" >/dev/null 2>&1 \
    || "$venv/bin/jupyter" kernelspec install --user --replace --name ydnn "$spec_dir"
echo "setup-jupyter: kernelspec 'ydnn' installed in $("$venv/bin/jupyter" --data-dir)/kernels/ydnn (ydnn: $ydnn_bin)"
