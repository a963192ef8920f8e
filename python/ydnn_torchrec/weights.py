"""ydnn's weight folders (weights.json + one float32 NAME.npy [rows, cols] per tensor),
in the tensor names and shapes of ydnn's ParameterLayout (bundle.json "tensors")."""
import json
import os

import numpy as np

FORMAT = "ydnn-weights"


def read(folder, bundle):
    """{name: float32 array [rows, cols]} checked against the bundle's tensors and spec hash."""
    with open(os.path.join(folder, "weights.json")) as f:
        m = json.load(f)
    if m.get("format") != FORMAT:
        raise ValueError(f"{folder}: not a ydnn weights folder")
    if m["spec_hash"] != bundle.spec_hash:
        raise ValueError(f"{folder}: weights of spec {m['spec_hash']}, the bundle's is {bundle.spec_hash}")
    entries = {e["name"]: e for e in m["tensors"]}
    out = {}
    for t in bundle.tensors:
        e = entries.get(t["name"])
        if e is None:
            raise ValueError(f"{folder}: no tensor {t['name']}")
        a = np.load(os.path.join(folder, e["file"])).astype(np.float32).reshape(t["rows"], t["cols"])
        out[t["name"]] = a
    return out, m


def fresh(meta) -> bool:
    """Whether the weights are an untrained model's: ydnn's trainer then starts the output bias at log q."""
    return int(meta.get("epochs_trained", 0)) == 0 and not meta.get("loss_history")


def write(folder, bundle, tensors, epochs_trained, loss_history):
    """Writes weights.json and NAME.npy for every tensor of the bundle (float32, [rows, cols])."""
    os.makedirs(folder, exist_ok=True)
    entries = []
    for t in bundle.tensors:
        a = np.ascontiguousarray(tensors[t["name"]], dtype=np.float32).reshape(t["rows"], t["cols"])
        if not np.all(np.isfinite(a)):
            raise ValueError(f"tensor {t['name']} is not finite")
        path = os.path.join(folder, t["name"] + ".npy")
        np.save(path + ".tmp.npy", a)
        os.replace(path + ".tmp.npy", path)
        entries.append({"name": t["name"], "rows": t["rows"], "cols": t["cols"], "file": t["name"] + ".npy"})
    manifest = {"format": FORMAT, "version": 1, "spec_hash": bundle.spec_hash, "tensors": entries,
                "epochs_trained": int(epochs_trained), "loss_history": [float(x) for x in loss_history]}
    tmp = os.path.join(folder, ".weights.json.tmp")
    with open(tmp, "w") as f:
        json.dump(manifest, f, indent=1)
    os.replace(tmp, os.path.join(folder, "weights.json"))


def initial(bundle, seed=None):
    """Fresh weights drawn as ydnn draws them (ParameterLayout.Initialization): the same
    distributions (not the same draws: torch's generator, seeded per tensor)."""
    import torch
    seed = bundle.seed if seed is None else seed
    out = {}
    by_owner = {}
    for t in bundle.tensors:
        by_owner.setdefault(t["owner"], []).append(t)
    for i, t in enumerate(bundle.tensors):
        g = torch.Generator().manual_seed((seed * 1_000_003 + i) % (2**63))
        shape = (t["rows"], t["cols"])
        kind = t["init_kind"]
        if kind == "gaussian":
            a = torch.randn(shape, generator=g) * float(t["init_std"])
        elif kind == "zeros":
            a = torch.zeros(shape)
        elif kind == "lstm":
            hidden = next(x for x in by_owner[t["owner"]] if x["role"] == "recurrentWeights")["rows"]
            if t["role"] == "inputWeights":
                a = (torch.rand(shape, generator=g) * 2 - 1) * (6 / (t["rows"] + hidden)) ** 0.5
            elif t["role"] == "recurrentWeights":
                a = (torch.rand(shape, generator=g) * 2 - 1) * (6 / (2 * hidden)) ** 0.5
            else:
                a = torch.zeros(shape)
                a[:, hidden:2 * hidden] = 1  # forget gate
        elif kind == "dense":
            if t["role"] == "weight":
                scale = ((12 if t["init_relu"] else 6) / (t["rows"] + t["cols"])) ** 0.5
                a = (torch.rand(shape, generator=g) * 2 - 1) * scale
            else:
                a = torch.zeros(shape)
        elif kind == "fan_in_uniform":
            # PyTorch's nn.Linear: weights and bias uniform in +-1/sqrt(fan_in).
            fan_in = next(x for x in by_owner[t["owner"]] if x["role"] == "weight")["rows"]
            a = (torch.rand(shape, generator=g) * 2 - 1) / fan_in ** 0.5
        else:
            raise ValueError(f"unknown initialisation {kind} of {t['name']}")
        out[t["name"]] = a.numpy().astype(np.float32)
    return out


def with_output_bias_prior(bundle, tensors):
    """ydnn's Model.initializeOutputBias: a fresh model's output bias starts at log q."""
    if "output.b" in tensors:
        tensors["output.b"] = np.log(bundle.noise).astype(np.float32).reshape(-1, 1)
    return tensors
