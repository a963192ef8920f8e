"""The PaddlePaddle youtube_recall network in plain PyTorch, as the peer of
benchmarks/recipes/paddle_ml100k.ydnn.

    user_id 64, province 8, city 16, phone 16 embeddings
    categories 8 and tags 64 of the history items, average-pooled
    LSTM 64 over the history items' 64-d embeddings, max-pooled over time
    dense 256 relu, dense 31 relu
    NCE with 5 negatives per sample drawn from item training frequency
    user vector [1, relu2], item vector [b_i, w_i]

Same data protocol as ydnn (clicklog.py). Prints one JSON object: training
samples/s (training loop only, data preparation excluded) and HR@10/HR@50.
"""
import argparse
import json
import time

import numpy as np
import torch
import torch.nn as nn

from clicklog import ClickData, hit_rates, most_popular


class PaddleNet(nn.Module):
    def __init__(self, d, n_tags_pad):
        super().__init__()
        self.user = nn.Embedding(d.v_user.size, 64)
        self.prov = nn.Embedding(d.v_prov.size, 8)
        self.city = nn.Embedding(d.v_city.size, 16)
        self.phone = nn.Embedding(d.v_phone.size, 16)
        # One extra row per table serves as padding (zero, never updated), so
        # the real id 0 (<unk>/pad item) keeps a learned embedding as in Paddle.
        self.cat = nn.Embedding(d.v_cat.size + 1, 8, padding_idx=d.v_cat.size)
        self.tag = nn.Embedding(n_tags_pad + 1, 64, padding_idx=n_tags_pad)
        self.item = nn.Embedding(d.v_item.size, 64)
        self.lstm = nn.LSTM(64, 64, batch_first=True)
        self.fc1 = nn.Linear(64 + 8 + 16 + 16 + 8 + 64 + 64, 256)
        self.fc2 = nn.Linear(256, 31)
        self.nce_w = nn.Embedding(d.v_item.size, 31)
        self.nce_b = nn.Embedding(d.v_item.size, 1)
        nn.init.normal_(self.nce_w.weight, std=0.05)
        nn.init.zeros_(self.nce_b.weight)

    def user_vector(self, uf, hist, hlen, cats, ncat, tags, ntag):
        # Histories are right-padded to the window; an LSTM's state at a real
        # step does not depend on later steps, so masking the padded steps out
        # of the max makes this exact for variable lengths.
        h, _ = self.lstm(self.item(hist))
        steps = torch.arange(hist.shape[1]).unsqueeze(0)
        h = h.masked_fill((steps >= hlen.unsqueeze(1)).unsqueeze(2), float("-inf")).max(dim=1).values
        c = self.cat(cats).sum(1) / ncat.unsqueeze(1)
        t = self.tag(tags).sum(1) / ntag.unsqueeze(1)
        x = torch.cat([self.user(uf[:, 0]), self.prov(uf[:, 1]), self.city(uf[:, 2]),
                       self.phone(uf[:, 3]), c, t, h], dim=1)
        return torch.relu(self.fc2(torch.relu(self.fc1(x))))

    def nce_loss(self, u, target, negatives, noise_q, k):
        # Paddle's nce: o = sigmoid(u.w + b), B = k q(item);
        # loss = -log(o_t / (o_t + B_t)) - sum_neg log(B_j / (o_j + B_j)).
        ids = torch.cat([target.unsqueeze(1), negatives], dim=1)           # [B, k+1]
        z = (self.nce_w(ids) * u.unsqueeze(1)).sum(2) + self.nce_b(ids).squeeze(2)
        o = torch.sigmoid(z)
        bq = k * noise_q[ids]
        pos = torch.log(o[:, 0] / (o[:, 0] + bq[:, 0]))
        neg = torch.log(bq[:, 1:] / (o[:, 1:] + bq[:, 1:])).sum(1)
        return -(pos + neg).mean()


def tensors(d, samples, window):
    """Right-padded id matrices for a list of (user, history, target)."""
    n = len(samples)
    cat_pad, tag_pad = d.v_cat.size, d.v_tag.size
    hist = np.zeros((n, window), dtype=np.int64)
    hlen = np.zeros(n, dtype=np.int64)
    cats = np.full((n, window), cat_pad, dtype=np.int64)
    tags = np.full((n, window * d.max_tags), tag_pad, dtype=np.int64)
    ntag = np.zeros(n, dtype=np.float32)
    uf = np.zeros((n, 4), dtype=np.int64)
    tgt = np.zeros(n, dtype=np.int64)
    for s, (u, h, t) in enumerate(samples):
        hist[s, :len(h)] = h
        hlen[s] = len(h)
        cats[s, :len(h)] = d.item_cat[h]
        flat = [x for i in h for x in d.item_tags[i]]
        tags[s, :len(flat)] = flat
        ntag[s] = len(flat)
        uf[s] = d.user_feats[u]
        tgt[s] = t
    T = torch.from_numpy
    return dict(uf=T(uf), hist=T(hist), hlen=T(hlen), cats=T(cats), ncat=T(hlen.astype(np.float32)),
                tags=T(tags), ntag=T(ntag)), T(tgt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ml-100k-paddle/test.txt")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--negatives", type=int, default=5)
    ap.add_argument("--window", type=int, default=5)
    ap.add_argument("--min-count", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    t0 = time.perf_counter()
    d = ClickData(a.data, a.min_count)
    train, test = d.window_samples(a.window)
    X, y = tensors(d, train, a.window)
    Xt, yt = tensors(d, test, a.window)
    q = torch.from_numpy(d.item_frequency()).float()
    prep = time.perf_counter() - t0

    model = PaddleNet(d, d.v_tag.size)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    n = len(train)
    epochs = []
    for ep in range(a.epochs):
        model.train()
        t1 = time.perf_counter()
        perm = torch.randperm(n)
        total, batches = 0.0, 0
        for s in range(0, n, a.batch):
            idx = perm[s:s + a.batch]
            neg = torch.multinomial(q, len(idx) * a.negatives, replacement=True).view(len(idx), a.negatives)
            u = model.user_vector(**{k: v[idx] for k, v in X.items()})
            loss = model.nce_loss(u, y[idx], neg, q, a.negatives)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item()
            batches += 1
        dt = time.perf_counter() - t1
        epochs.append({"epoch": ep + 1, "loss": total / batches, "samples_per_s": n / dt, "seconds": dt})
        print(f"epoch {ep + 1}  loss {total / batches:.4f}  {n / dt:.0f} samples/s  {dt:.1f}s", flush=True)

    model.eval()
    with torch.no_grad():
        u = model.user_vector(**Xt)
        scores = (u @ model.nce_w.weight.T + model.nce_b.weight.T).numpy()
    scores[:, 0] = -np.inf  # item 0 is <unk>/pad, never a candidate
    ks = [10, 50]
    metrics = hit_rates(scores, yt.numpy(), ks, unranked=d.skipped_users)
    train_time = sum(e["seconds"] for e in epochs)
    print(json.dumps({
        "tool": "pytorch", "recipe": "paddle",
        "torch": torch.__version__, "threads": torch.get_num_threads(),
        "train_samples": n, "test_users": len(test), "skipped_test_users": d.skipped_users,
        "items": d.v_item.size, "epochs": epochs,
        "samples_per_s": n * a.epochs / train_time, "prep_seconds": prep,
        "metrics": metrics, "most_popular": most_popular(d, ks),
        "settings": vars(a),
    }))


if __name__ == "__main__":
    main()
