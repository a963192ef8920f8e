#!/usr/bin/env bash
# The TorchRec venv (.venv-torchrec) for `export torchrec` runs and their tests:
# the pinned CPU triple torch==2.13.0+cpu, fbgemm-gpu-cpu==1.8.0, torchrec==1.8.0
# (plus numpy and pytest). python/ydnn_torchrec is not installed into it: run.sh
# puts python/ on PYTHONPATH. Idempotent: with nothing to install it takes about a second.
#
# Installing torchrec pulls the CUDA fbgemm_gpu as a dependency, after which
# `import torchrec` fails (libtorch_cuda.so missing); so it is uninstalled and the
# CPU fbgemm is reinstalled without dependencies (../shared/PLATFORM-NOTES.md).
#
# On a GPU machine use the CUDA triple instead (printed at the end; also
# `YDNN_TORCHREC_CUDA=cu126 bash scripts/setup-torchrec.sh` installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${YDNN_TORCHREC_VENV:-$root/.venv-torchrec}
python=${PYTHON:-python3}
cuda=${YDNN_TORCHREC_CUDA:-}
if [ -n "$cuda" ]; then
    pins=(torch==2.13.0 fbgemm-gpu==1.8.0 torchrec==1.8.0 numpy pytest==9.2.0)
    index=(--index-url "https://download.pytorch.org/whl/$cuda" --extra-index-url https://pypi.org/simple)
else
    pins=(torch==2.13.0+cpu fbgemm-gpu-cpu==1.8.0 torchrec==1.8.0 numpy pytest==9.2.0)
    index=()
fi

if ! command -v "$python" >/dev/null 2>&1; then
    echo "setup-torchrec: $python not found (TorchRec needs Python 3.10 or later)" >&2
    exit 1
fi
if [ ! -x "$venv/bin/python" ]; then
    echo "setup-torchrec: creating $venv"
    if ! "$python" -m venv "$venv" 2>/dev/null; then
        # Debian's python3 keeps venv (ensurepip) in a separate package.
        rm -rf "$venv"
        sudo_cmd=""; [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
        $sudo_cmd apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv "$venv"
    fi
fi
stamp="$venv/.ydnn-torchrec-installed"
want="$(printf '%s\n' "${pins[@]}" "$cuda")"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    pip=("$venv/bin/pip" install -q --disable-pip-version-check)
    echo "setup-torchrec: installing ${pins[*]} into $venv (a few minutes the first time)"
    "${pip[@]}" "${index[@]}" "${pins[@]}"
    if [ -z "$cuda" ]; then
        "$venv/bin/pip" uninstall -q -y fbgemm_gpu fbgemm_gpu-cpu >/dev/null 2>&1 || true
        "${pip[@]}" --no-deps fbgemm-gpu-cpu==1.8.0
    fi
    "$venv/bin/python" -c "import torchrec, fbgemm_gpu" \
        || { echo "setup-torchrec: import torchrec failed in $venv" >&2; exit 1; }
    printf '%s' "$want" > "$stamp"
fi
echo "setup-torchrec: $venv ready ($("$venv/bin/python" -c 'import torch, torchrec; print("torch", torch.__version__, "torchrec", torchrec.__version__)'))"
if [ -z "$cuda" ]; then
    echo "setup-torchrec: on a GPU machine: YDNN_TORCHREC_CUDA=cu126 bash scripts/setup-torchrec.sh" \
         "(pip install torch==2.13.0 fbgemm-gpu==1.8.0 torchrec==1.8.0 --index-url https://download.pytorch.org/whl/cu126)"
fi
