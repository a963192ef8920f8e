"""Reading an `export torchrec` bundle: manifest, spec, noise and the sample shards.

The layout is documented in the bundle's FORMAT.md. Shards are opened with
numpy's mmap_mode="r", so a split is read as it is used, not loaded whole.
"""
import json
import os
from dataclasses import dataclass, field

import numpy as np

FORMAT = "ydnn-torchrec"
VERSION = 1


def fnv1a64(data: bytes) -> str:
    """The spec file's hash, as ydnn computes it (TorchRecBundle.hash)."""
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


@dataclass
class Batch:
    """One batch of samples as numpy arrays: per sparse feature (lengths, ids, weights or None)."""
    labels: np.ndarray
    users: np.ndarray
    sparse: dict = field(default_factory=dict)
    dense: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return int(self.labels.shape[0])


def ragged_take(offsets, ids, rows, weights=None):
    """The id lists of `rows` (vectorised): (lengths, ids, weights) of the selection."""
    starts = offsets[rows].astype(np.int64)
    lengths = offsets[rows + 1].astype(np.int64) - starts
    total = int(lengths.sum())
    if total == 0:
        empty_w = None if weights is None else np.zeros(0, np.float32)
        return lengths, np.zeros(0, np.int64), empty_w
    out_starts = np.cumsum(lengths) - lengths
    pos = np.arange(total, dtype=np.int64) + np.repeat(starts - out_starts, lengths)
    return lengths, np.asarray(ids[pos], dtype=np.int64), None if weights is None else np.asarray(weights[pos], np.float32)


class Shard:
    """One shard folder of a split, memory-mapped."""

    def __init__(self, root, info, split):
        d = os.path.join(root, info["dir"])
        self.samples = int(info["samples"])
        load = lambda name: np.load(os.path.join(d, name), mmap_mode="r")
        self.labels = load("labels.npy")
        self.users = load("users.npy")
        self.sparse = {}
        for f, weighted in split["sparse"].items():
            w = load(f"sparse.{f}.weights.npy") if weighted else None
            self.sparse[f] = (load(f"sparse.{f}.offsets.npy"), load(f"sparse.{f}.ids.npy"), w)
        self.dense = {f: load(f"dense.{f}.npy") for f in split["dense"]}

    def take(self, rows) -> Batch:
        rows = np.asarray(rows, dtype=np.int64)
        b = Batch(labels=np.asarray(self.labels[rows], np.int64), users=np.asarray(self.users[rows], np.int64))
        for f, (off, ids, w) in self.sparse.items():
            b.sparse[f] = ragged_take(off, ids, rows, w)
        for f, col in self.dense.items():
            b.dense[f] = np.asarray(col[rows], np.float32)
        return b


class Split:
    """A split (train, test, serving): its shards and a global sample numbering."""

    def __init__(self, root, name, info):
        self.name = name
        self.samples = int(info["samples"])
        self.shards = [Shard(root, s, info) for s in info["shards"]]
        self.starts = np.cumsum([0] + [s.samples for s in self.shards])

    def take(self, indices) -> Batch:
        """The samples at these global indices, in this order."""
        indices = np.asarray(indices, dtype=np.int64)
        which = np.searchsorted(self.starts, indices, side="right") - 1
        if np.all(which == which[0]) if len(which) else True:
            s = int(which[0]) if len(which) else 0
            return self.shards[s].take(indices - self.starts[s])
        parts = []
        order = np.argsort(which, kind="stable")
        for s in np.unique(which):
            sel = order[which[order] == s]
            parts.append((sel, self.shards[int(s)].take(indices[sel] - self.starts[s])))
        return concat_batches(parts, len(indices))


def concat_batches(parts, n) -> Batch:
    """Batches of disjoint positions (positions, batch) merged back into one of n samples in position order."""
    pos = np.concatenate([p for p, _ in parts])
    inv = np.empty(n, np.int64)
    inv[pos] = np.arange(n)
    first = parts[0][1]
    labels = np.concatenate([b.labels for _, b in parts])[inv]
    users = np.concatenate([b.users for _, b in parts])[inv]
    out = Batch(labels=labels, users=users)
    for f in first.sparse:
        lengths = np.concatenate([b.sparse[f][0] for _, b in parts])
        ids = np.concatenate([b.sparse[f][1] for _, b in parts])
        w = None if first.sparse[f][2] is None else np.concatenate([b.sparse[f][2] for _, b in parts])
        offsets = np.concatenate([[0], np.cumsum(lengths)])
        out.sparse[f] = ragged_take(offsets, ids, inv, w)
    for f in first.dense:
        out.dense[f] = np.concatenate([b.dense[f] for _, b in parts])[inv]
    return out


class Bundle:
    """An export folder: bundle.json, the spec (hash checked), noise and the splits."""

    def __init__(self, root):
        self.root = os.path.abspath(root)
        with open(os.path.join(self.root, "bundle.json")) as f:
            self.manifest = json.load(f)
        m = self.manifest
        if m.get("format") != FORMAT or m.get("version") != VERSION:
            raise ValueError(f"{root}: not a {FORMAT} bundle of version {VERSION}")
        with open(os.path.join(self.root, m["spec_file"]), "rb") as f:
            raw = f.read()
        if fnv1a64(raw.rstrip(b"\n")) != m["spec_hash"]:
            raise ValueError(f"{root}: {m['spec_file']} does not match the hash in bundle.json")
        self.spec = json.loads(raw)
        self.spec_hash = m["spec_hash"]
        self.features = {f["name"]: f for f in m["features"]}
        self.item_count = int(m["item_count"])
        self.seed = int(m["seed"])
        self.training = m["training"]
        self.tensors = m["tensors"]
        self.noise = np.load(os.path.join(self.root, "noise.npy")).astype(np.float64)
        self._splits = {}

    def split(self, name) -> Split:
        if name not in self._splits:
            self._splits[name] = Split(self.root, name, self.manifest["splits"][name])
        return self._splits[name]

    def vocabulary_size(self, feature) -> int:
        return int(self.features[feature]["vocabulary_size"])

    @property
    def init_weights(self):
        d = self.manifest.get("init_weights")
        return os.path.join(self.root, d) if d else None
