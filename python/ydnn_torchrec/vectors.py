"""User vectors and logits of an exported bundle's split, in one process without
sharding: the forward-parity check against ydnn (`vectors users`, `vectors items`).

    python -m ydnn_torchrec.vectors BUNDLE --weights BUNDLE/init --split serving --out DIR
writes DIR/user_vectors.npy ([1, u] with an output bias, like ydnn) and
DIR/logits.npy (the first --logit-rows users against every item: u.w/T + b)."""
import argparse
import os

import numpy as np
import torch

from . import state, weights as wio
from .bundle import Bundle
from .net import YdnnNet, user_vectors


def compute(bundle, tensors, split="serving", logit_rows=16, chunk=4096):
    net = YdnnNet(bundle, table_device="cpu").eval()
    state.load(net, net, tensors)
    sp = bundle.split(split)
    users, logits = [], []
    all_items = np.arange(bundle.item_count, dtype=np.int64)
    with torch.no_grad():
        for lo in range(0, sp.samples, chunk):
            idx = np.arange(lo, min(lo + chunk, sp.samples))
            batch = sp.take(idx)
            u, w, b = net(net.inputs(batch, all_items, "cpu"))
            users.append(user_vectors(u, net.bias).numpy())
            if lo == 0:
                n = min(logit_rows, len(idx))
                z = u[:n] @ w.T / net.temperature + (b[None, :] if b is not None else 0)
                logits.append(z.numpy())
    return np.concatenate(users), np.concatenate(logits)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("bundle")
    ap.add_argument("--weights", help="weights folder (default: BUNDLE/trained)")
    ap.add_argument("--split", default="serving")
    ap.add_argument("--logit-rows", type=int, default=16)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    bundle = Bundle(a.bundle)
    tensors, _ = wio.read(a.weights or os.path.join(bundle.root, "trained"), bundle)
    users, logits = compute(bundle, tensors, a.split, a.logit_rows)
    os.makedirs(a.out, exist_ok=True)
    np.save(os.path.join(a.out, "user_vectors.npy"), users.astype(np.float32))
    np.save(os.path.join(a.out, "logits.npy"), logits.astype(np.float32))
    print(f"wrote {users.shape[0]} user vectors x {users.shape[1]} and {logits.shape[0]} x {logits.shape[1]} logits to {a.out}")


if __name__ == "__main__":
    main()
