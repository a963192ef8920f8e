"""ydnn's recipes on TorchRec.

`export torchrec "DIR"` (ydnn) writes a bundle: the resolved network, the prepared
samples as .npy shards and run.sh. This package is fixed code, not generated per
recipe: it reads the bundle (bundle.py), builds the network with TorchRec tables
and torch modules (net.py, losses.py), trains it under torchrun with
DistributedModelParallel (train.py) and writes the unsharded weights back in
ydnn's tensor layout (weights.py), which `import torchrec "DIR"` reads.
"""

__all__ = ["bundle", "net", "losses", "weights", "train", "vectors"]
