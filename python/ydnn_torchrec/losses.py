"""ydnn's output losses (Sources/YDNN/Model/NCE.swift, Softmax.swift), summed over the
rank's samples; the caller divides by the global batch.

Candidates are looked up in one output-table call; `candidates()` says which ids,
`loss()` how to score them. Logits are u.w_j / T + b_j.
"""
import numpy as np
import torch
import torch.nn.functional as F


class OutputLoss:
    def __init__(self, spec, noise, seed):
        out = spec["output"]
        self.kind = out["loss"]
        self.k = int(out["negatives"])
        self.log_q = bool(out["logQ"]) and self.kind != "full_softmax"
        self.temperature = float(spec["temperature"])
        self.noise = torch.as_tensor(noise, dtype=torch.float64)
        self.q32 = self.noise.float()
        self.item_count = len(noise)
        self.seed = seed

    def candidates(self, labels, step, rank, global_batch, global_labels=None):
        """The output ids to look up (numpy int64) and what `loss` needs to read them.

        Noise is drawn for the whole global batch from one generator state per step, the
        same on every rank, and each rank takes its rows: 1 and N ranks train on the same
        samples with the same negatives. nce: per sample [label, k noise ids] from q;
        sampled: every sample's label, then k ids from q shared by the global batch;
        full: every item; in_batch: the unique labels of the global batch."""
        B = len(labels)
        g = torch.Generator().manual_seed(self.seed * 7919 + step * 1009)
        if self.kind == "nce":
            negs = torch.multinomial(self.noise, global_batch * self.k, replacement=True, generator=g).numpy()
            negs = negs.reshape(global_batch, self.k)[rank * B:(rank + 1) * B]
            return np.concatenate([labels[:, None], negs], 1).reshape(-1), negs
        if self.kind == "sampled_softmax":
            negs = torch.multinomial(self.noise, self.k, replacement=True, generator=g).numpy()
            return np.concatenate([labels, negs]), negs
        if self.kind == "full_softmax":
            return np.arange(self.item_count, dtype=np.int64), None
        ids, inverse = np.unique(global_labels, return_inverse=True)
        return ids, (ids, np.searchsorted(ids, labels))

    def loss(self, u, w, b, labels, extra, cand_ids):
        """Summed loss of the rank's samples."""
        B, T = u.shape[0], self.temperature
        dev = u.device
        q = self.q32.to(dev)
        cand = torch.as_tensor(cand_ids, device=dev)
        bias = b if b is not None else torch.zeros(w.shape[0], device=dev, dtype=u.dtype)
        if self.kind == "nce":
            k = self.k
            wv = w.view(B, k + 1, -1)
            z = ((u[:, None, :] * wv).sum(-1) / T + bias.view(B, k + 1)).double()
            bq = (k * self.noise.to(dev)[cand]).view(B, k + 1)
            o = torch.sigmoid(z)
            true = -F.logsigmoid(z[:, 0]) + torch.log(o[:, 0] + bq[:, 0])
            neg = (-torch.log(bq[:, 1:]) + torch.log(o[:, 1:] + bq[:, 1:])).sum(1)
            return (true + neg).sum().float()
        shift = bias - (torch.log(q[cand].clamp_min(1e-30)) if self.log_q else 0)
        if self.kind == "sampled_softmax":
            wl, wn = w[:B], w[B:]
            zt = (u * wl).sum(1) / T + shift[:B]
            zn = u @ wn.T / T + shift[B:][None, :]
            negs = torch.as_tensor(extra, device=dev)
            lab = torch.as_tensor(labels, device=dev)
            zn = zn.masked_fill(negs[None, :] == lab[:, None], float("-inf"))  # accidental hits
            z = torch.cat([zt[:, None], zn], 1).double()
            return (torch.logsumexp(z, 1) - z[:, 0]).sum().float()
        logits = (u @ w.T / T + shift[None, :]).double()
        target = torch.as_tensor(labels if self.kind == "full_softmax" else extra[1], device=dev)
        return F.cross_entropy(logits, target, reduction="sum").float()
