"""The ydnn network on TorchRec: embedding tables as EmbeddingBagCollection (pooled
avg/sum features) and EmbeddingCollection (sequences for max/last pooling, the LSTM
and attention, and the output item table), torch modules for the rest.

Everything follows ydnn's layers (Sources/YDNN/Model): EmbeddingPool, LSTMEncoder
(gates i, f, g, o; max or last over the valid steps; an empty list gives zeros),
AttentionPool (softmax of q.e/sqrt(d), times the id weights), Dense (x.W + b, W
inputs x outputs), L2Normalize (norm clamped at 1e-6) and the output table
[w_i, b_i]. Table widths are padded to a multiple of 4 (fbgemm's kernels need it);
the padding columns are never read, so their gradient is zero.
"""
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from torchrec import (EmbeddingBagCollection, EmbeddingBagConfig, EmbeddingCollection, EmbeddingConfig,
                      KeyedJaggedTensor, PoolingType)

EPS = 1e-6  # L2Normalize.epsilon


def pad4(d):
    return (d + 3) // 4 * 4


class Table:
    """One TorchRec table and the ydnn tensor(s) it holds."""

    def __init__(self, name, key, rows, width, tensors):
        self.name, self.key, self.rows, self.width = name, key, rows, width
        self.padded = pad4(width)
        self.tensors = tensors  # [(ydnn name, first column, columns)]

    def full(self, weights):
        """The padded table [rows, padded] from ydnn tensors."""
        out = np.zeros((self.rows, self.padded), np.float32)
        for name, col, cols in self.tensors:
            out[:, col:col + cols] = weights[name].reshape(self.rows, cols)
        return out

    def split(self, table, out):
        for name, col, cols in self.tensors:
            out[name] = np.ascontiguousarray(table[:, col:col + cols], np.float32)


class YdnnNet(nn.Module):
    def __init__(self, bundle, table_device="cpu"):
        super().__init__()
        spec = bundle.spec
        self.spec = spec
        self.encoders = spec["encoders"]
        self.dense_inputs = list(spec["denseInputs"])
        self.normalize = bool(spec["normalize"])
        self.temperature = float(spec["temperature"])
        out = spec["output"]
        self.bias = bool(out["bias"])
        self.tables = []
        pooled_cfgs = []
        self.pooled_keys = []
        self.seq = nn.ModuleDict()
        self.lstm = nn.ModuleDict()
        self.query = nn.ParameterDict()
        dev = torch.device(table_device)
        width = 0
        for i, e in enumerate(self.encoders):
            rows = bundle.vocabulary_size(e["feature"])
            tname = f"t{i}_{e['feature']}"  # never a bare feature name: `items` collides with a module attribute
            key = f"f{i}"
            ydnn = f"{e['kind']}.{e['feature']}"
            table = Table(tname, key, rows, e["dim"], [(ydnn, 0, e["dim"])])
            self.tables.append(table)
            if self.is_pooled(e):
                pooled_cfgs.append(EmbeddingBagConfig(name=tname, embedding_dim=table.padded, num_embeddings=rows,
                                                      feature_names=[key], pooling=PoolingType.SUM))
                self.pooled_keys.append(key)
            else:
                self.seq[key] = EmbeddingCollection(
                    tables=[EmbeddingConfig(name=tname, embedding_dim=table.padded, num_embeddings=rows,
                                            feature_names=[key])], device=dev)
            if e["kind"] == "lstm":
                cell = nn.LSTM(e["dim"], e["hidden"], batch_first=True)
                cell.bias_hh_l0.requires_grad_(False)  # ydnn has one gate bias: kept in bias_ih, bias_hh stays 0
                with torch.no_grad():
                    cell.bias_hh_l0.zero_()
                self.lstm[key] = cell
            if e["kind"] == "attention":
                self.query[key] = nn.Parameter(torch.zeros(e["dim"]))
            width += (e["hidden"] if e["kind"] == "lstm" else e["dim"]) + (e["dim"] if e["lastSlot"] else 0)
        width += len(self.dense_inputs)
        self.pooled = (EmbeddingBagCollection(tables=pooled_cfgs, is_weighted=True, device=dev)
                       if pooled_cfgs else None)
        self.weights_ = nn.ParameterList()
        self.biases = nn.ParameterList()
        self.relu = []
        for h in spec["hidden"]:
            self.weights_.append(nn.Parameter(torch.zeros(width, h["units"])))
            self.biases.append(nn.Parameter(torch.zeros(h["units"])))
            self.relu.append(h["activation"] == "relu")
            width = h["units"]
        self.tower_dim = width
        self.output_table = Table("t_output", "cand", bundle.item_count, width + (1 if self.bias else 0),
                                  [("output.w", 0, width)] + ([("output.b", width, 1)] if self.bias else []))
        self.tables.append(self.output_table)
        self.output = EmbeddingCollection(
            tables=[EmbeddingConfig(name="t_output", embedding_dim=self.output_table.padded,
                                    num_embeddings=bundle.item_count, feature_names=["cand"])], device=dev)

    @staticmethod
    def is_pooled(e):
        return e["kind"] == "embedding" and e["pool"] in ("avg", "sum") and not e["lastSlot"]

    # ---- inputs -------------------------------------------------------------------------

    def inputs(self, batch, candidates, device):
        """The model's inputs for a numpy Batch and the output ids to look up."""
        B = batch.size
        out = {"dense": None, "seq": {}, "pooled": None}
        if self.pooled is not None:
            values, lengths, weights = [], [], []
            for key in self.pooled_keys:
                e = self.encoders[int(key[1:])]
                lens, ids, w = batch.sparse[e["feature"]]
                w = w if (e["weighted"] and w is not None) else np.ones(len(ids), np.float32)
                if e["pool"] == "avg":  # Σ w e / Σ w (0 for an empty list): a weighted sum with w / Σ w
                    per_row = _row_sums(w, lens)
                    inv = np.where(per_row != 0, 1 / np.where(per_row != 0, per_row, 1), 0).astype(np.float32)
                    w = w * np.repeat(inv, lens)
                values.append(ids); lengths.append(lens); weights.append(w.astype(np.float32))
            out["pooled"] = KeyedJaggedTensor(
                keys=list(self.pooled_keys), values=torch.from_numpy(np.concatenate(values)).to(device),
                lengths=torch.from_numpy(np.concatenate(lengths)).to(device),
                weights=torch.from_numpy(np.concatenate(weights)).to(device))
        for key in self.seq:
            e = self.encoders[int(key[1:])]
            lens, ids, w = batch.sparse[e["feature"]]
            kjt = KeyedJaggedTensor(keys=[key], values=torch.from_numpy(ids).to(device),
                                    lengths=torch.from_numpy(lens).to(device))
            weights = torch.from_numpy(w).to(device) if (e["weighted"] and w is not None) else None
            out["seq"][key] = (kjt, torch.from_numpy(lens).to(device), weights)
        if self.dense_inputs:
            out["dense"] = torch.from_numpy(np.stack([batch.dense[f] for f in self.dense_inputs], 1)).to(device)
        cand = torch.as_tensor(candidates, dtype=torch.int64, device=device)
        lengths = torch.zeros(B, dtype=torch.int64, device=device)
        lengths[0] = cand.numel()
        out["candidates"] = KeyedJaggedTensor(keys=["cand"], values=cand, lengths=lengths)
        out["rows"] = B
        return out

    # ---- forward ------------------------------------------------------------------------

    def forward(self, inputs):
        """(user tower output [B, tower_dim], candidate rows: w [C, d] (normalised when the
        model normalises) and b [C] or None), in the order of the candidate ids."""
        B = inputs["rows"]
        pooled = self.pooled(inputs["pooled"]) if self.pooled is not None else None
        parts = []
        for i, e in enumerate(self.encoders):
            key = f"f{i}"
            if key in self.pooled_keys:
                parts.append(pooled[key][:, :e["dim"]])
                continue
            kjt, lens, weights = inputs["seq"][key]
            jt = self.seq[key](kjt)[key]
            parts.append(self.encode(e, key, jt.values()[:, :e["dim"]], lens, weights, B))
        if inputs["dense"] is not None:
            parts.append(inputs["dense"])
        x = torch.cat(parts, 1)
        for w, b, relu in zip(self.weights_, self.biases, self.relu):
            x = x @ w + b
            if relu:
                x = F.relu(x)
        if self.normalize:
            x = x / x.norm(dim=1, keepdim=True).clamp_min(EPS)
        rows = self.output(inputs["candidates"])["cand"].values()
        d = self.tower_dim
        w = rows[:, :d]
        if self.normalize:
            w = w / w.norm(dim=1, keepdim=True).clamp_min(EPS)
        b = rows[:, d] if self.bias else None
        return x, w, b

    def encode(self, e, key, values, lens, weights, B):
        """One unpooled encoder: values [N, dim] of the B id lists of lengths `lens`."""
        d = e["dim"]
        L = int(lens.max().item()) if lens.numel() else 0
        L = max(L, 1)
        row = torch.repeat_interleave(torch.arange(B, device=values.device), lens)
        starts = torch.cumsum(lens, 0) - lens
        col = torch.arange(values.shape[0], device=values.device) - starts[row]
        padded = values.new_zeros(B, L, d)
        padded[row, col] = values
        mask = torch.arange(L, device=values.device)[None, :] < lens[:, None]
        nonempty = (lens > 0)[:, None]
        wpad = None
        if weights is not None:
            wpad = values.new_zeros(B, L)
            wpad[row, col] = weights
        last = padded[torch.arange(B, device=values.device), (lens - 1).clamp_min(0)] * nonempty
        if e["kind"] == "embedding":  # max (avg/sum with a last slot come here too)
            if e["pool"] == "max":
                c = padded if wpad is None else padded * wpad[:, :, None]
                out = c.masked_fill(~mask[:, :, None], float("-inf")).max(1).values
                out = torch.where(nonempty, out, torch.zeros_like(out))
            else:
                c = padded if wpad is None else padded * wpad[:, :, None]
                s = c.sum(1)
                if e["pool"] == "avg":
                    tot = (wpad if wpad is not None else mask.to(values.dtype)).sum(1, keepdim=True)
                    s = torch.where(tot != 0, s / torch.where(tot != 0, tot, torch.ones_like(tot)), torch.zeros_like(s))
                out = s
        elif e["kind"] == "lstm":
            packed = nn.utils.rnn.pack_padded_sequence(padded, lens.clamp_min(1).cpu(), batch_first=True,
                                                       enforce_sorted=False)
            hs, _ = self.lstm[key](packed)
            hs, _ = nn.utils.rnn.pad_packed_sequence(hs, batch_first=True, total_length=L)
            if e["pool"] == "max":
                out = hs.masked_fill(~mask[:, :, None], float("-inf")).max(1).values
            else:
                out = hs[torch.arange(B, device=values.device), (lens - 1).clamp_min(0)]
            out = torch.where(nonempty, out, torch.zeros_like(out))
        else:  # attention
            q = self.query[key]
            s = (padded @ q) / d ** 0.5
            s = s.masked_fill(~mask, float("-inf"))
            m = s.max(1, keepdim=True).values
            m = torch.where(torch.isfinite(m), m, torch.zeros_like(m))
            a = torch.exp(s - m) * mask
            if wpad is not None:
                a = a * wpad
            tot = a.sum(1, keepdim=True)
            a = torch.where(tot > 0, a / torch.where(tot > 0, tot, torch.ones_like(tot)), torch.zeros_like(a))
            out = (a[:, :, None] * padded).sum(1)
        if e["lastSlot"]:
            out = torch.cat([out, last], 1)
        return out

    # ---- weights in ydnn's layout -------------------------------------------------------

    def dense_parameters(self):
        """ydnn tensor name -> (parameter, from ydnn array, to ydnn array) for the non-table tensors."""
        out = {}
        for i, e in enumerate(self.encoders):
            key, t = f"f{i}", f"{e['kind']}.{e['feature']}"
            if e["kind"] == "lstm":
                cell = self.lstm[key]
                out[t + ".wx"] = (cell.weight_ih_l0, lambda a: a.T, lambda p: p.T)
                out[t + ".wh"] = (cell.weight_hh_l0, lambda a: a.T, lambda p: p.T)
                out[t + ".b"] = (cell.bias_ih_l0, lambda a: a.reshape(-1),
                                 lambda p, c=cell: (c.bias_ih_l0 + c.bias_hh_l0).detach().reshape(1, -1))
            if e["kind"] == "attention":
                out[t + ".query"] = (self.query[key], lambda a: a.reshape(-1), lambda p: p.reshape(1, -1))
        for i, (w, b) in enumerate(zip(self.weights_, self.biases)):
            out[f"dense{i + 1}.w"] = (w, lambda a: a, lambda p: p)
            out[f"dense{i + 1}.b"] = (b, lambda a: a.reshape(-1), lambda p: p.reshape(1, -1))
        return out

    def load_dense(self, weights):
        with torch.no_grad():
            for name, (p, to_torch, _) in self.dense_parameters().items():
                p.copy_(torch.from_numpy(np.ascontiguousarray(to_torch(weights[name]))))
            for cell in self.lstm.values():
                cell.bias_hh_l0.zero_()

    def dense_to_ydnn(self, out):
        for name, (p, _, to_ydnn) in self.dense_parameters().items():
            out[name] = np.ascontiguousarray(to_ydnn(p.detach()).cpu().numpy(), np.float32)

    def table_by_name(self, name):
        return next(t for t in self.tables if t.name == name)


def _row_sums(w, lens):
    out = np.zeros(len(lens), np.float32)
    if len(w):
        np.add.at(out, np.repeat(np.arange(len(lens)), lens), w)
    return out


def user_vectors(u, bias):
    """ydnn's user vectors: [1, u] with an output bias, else u."""
    return torch.cat([torch.ones(u.shape[0], 1, dtype=u.dtype, device=u.device), u], 1) if bias else u
