"""Writes (and optionally installs) the ydnn kernelspec.

    python -m ydnn_kernel.install --write-spec DIR [--ydnn-bin PATH]
        writes DIR/kernel.json; then `jupyter kernelspec install --user --name ydnn DIR`
    python -m ydnn_kernel.install [--user | --sys-prefix | --prefix P] [--ydnn-bin PATH]
        does both (through jupyter_client's KernelSpecManager, as that command does)

The kernelspec runs this Python (the venv's) with ``-m ydnn_kernel`` and sets
YDNN_BIN to the ydnn binary, so the kernel needs nothing on PATH.
"""

import argparse
import json
import os
import sys
import tempfile

from .kernel import find_ydnn


def spec(ydnn_bin):
    return {
        "argv": [sys.executable, "-m", "ydnn_kernel", "-f", "{connection_file}"],
        "display_name": "ydnn",
        "language": "ydnn",
        "interrupt_mode": "signal",
        "env": {"YDNN_BIN": os.path.abspath(ydnn_bin)},
        "metadata": {"debugger": False},
    }


def write_spec(directory, ydnn_bin):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "kernel.json"), "w") as f:
        json.dump(spec(ydnn_bin), f, indent=1)
        f.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m ydnn_kernel.install", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ydnn-bin", help="the ydnn binary (default: $YDNN_BIN, else ydnn on PATH)")
    parser.add_argument("--write-spec", metavar="DIR", help="only write the kernelspec folder")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for this user (the default)")
    where.add_argument("--sys-prefix", action="store_true", help="install into sys.prefix (the venv)")
    where.add_argument("--prefix", help="install under this prefix")
    args = parser.parse_args(argv)

    ydnn_bin = args.ydnn_bin or find_ydnn()
    if not (os.path.isfile(ydnn_bin) and os.access(ydnn_bin, os.X_OK)):
        parser.error(f"not an executable file: {ydnn_bin}")
    if args.write_spec:
        write_spec(args.write_spec, ydnn_bin)
        print(f"wrote {os.path.join(args.write_spec, 'kernel.json')}")
        return 0

    from jupyter_client.kernelspec import KernelSpecManager

    with tempfile.TemporaryDirectory() as tmp:
        write_spec(tmp, ydnn_bin)
        prefix = sys.prefix if args.sys_prefix else args.prefix
        dest = KernelSpecManager().install_kernel_spec(tmp, "ydnn", user=prefix is None, prefix=prefix, replace=True)
    print(f"installed kernelspec ydnn in {dest} (ydnn: {os.path.abspath(ydnn_bin)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
