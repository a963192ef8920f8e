"""torch-rechub's YoutubeDNN (from pip) on the mean-pool recipe, as the peer of
benchmarks/recipes/meanpool_ml100k.ydnn.

The model, its embedding layer, its MLP and its trainer are torch-rechub's own:
    user tower: user_id, province, city, phone (64 each: torch-rechub concatenates
        its embeddings along one axis, so every width must be equal) and the last 50 known
        clicks mean-pooled (64, sharing the item table) -> MLP [128, 64]
        (torch-rechub's MLP: Linear, BatchNorm, ReLU, Dropout 0 per layer)
    item tower: the item embedding (64); both L2-normalised
    list-wise softmax (MatchTrainer mode=2) over the positive and N negatives per
        sample, temperature 0.05
    negatives: torch-rechub's negative_sample (method 1: count^0.75), N per
        sample, drawn once when the samples are made, as its
        generate_seq_feature_match does
Only the samples come from clicklog.py, so the split, vocabularies and
histories are ydnn's (torch-rechub's own generator has a different split).
Prints one JSON object: training samples/s (epochs only) and HR@10/HR@50.
"""
import argparse
import json
import time
from collections import Counter, OrderedDict

import numpy as np
import torch
from torch.utils.data import DataLoader

from torch_rechub.basic.features import SequenceFeature, SparseFeature
from torch_rechub.models.matching import YoutubeDNN
from torch_rechub.trainers import MatchTrainer
from torch_rechub.utils.data import MatchDataGenerator, pad_sequences
from torch_rechub.utils.match import negative_sample

from clicklog import ClickData, hit_rates, most_popular


def inputs(d, samples, max_len):
    uf = np.array([d.user_feats[u] for u, _, _ in samples], dtype=np.int64)
    # Pre-padding with item 0, masked by the feature's padding_idx; the
    # histories themselves never hold item 0 (unknown clicks drop out).
    hist = pad_sequences([h for _, h, _ in samples], maxlen=max_len, padding="pre", truncating="pre", value=0)
    return {"user_id": uf[:, 0], "province": uf[:, 1], "city": uf[:, 2], "phone": uf[:, 3],
            "hist_items": hist.astype(np.int64),
            "item_id": np.array([t for _, _, t in samples], dtype=np.int64)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="../shared/data/ml-100k-paddle/test.txt")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--lr", type=float, default=0.001)
    ap.add_argument("--negatives", type=int, default=100)
    ap.add_argument("--temperature", type=float, default=0.05)
    ap.add_argument("--history", type=int, default=50)
    ap.add_argument("--min-count", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--workers", type=int, default=0,
                    help="DataLoader workers (torch-rechub's default of 8 would oversubscribe 2 cores)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-batchnorm", action="store_true",
                    help="ablation only: replace the MLP's BatchNorm layers by identities (ydnn has none)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    np.random.seed(a.seed)

    t0 = time.perf_counter()
    d = ClickData(a.data, a.min_count)
    train, test = d.recent_samples(a.history)
    x = inputs(d, train, a.history)
    counts = Counter({i: int(c) for i, c in enumerate(d.item_counts) if i != 0 and c > 0})
    order = OrderedDict(sorted(counts.items(), key=lambda kv: kv[1], reverse=True))
    x["neg_items"] = np.asarray(negative_sample(order, ratio=len(train) * a.negatives, method_id=1),
                                dtype=np.int64).reshape(len(train), a.negatives)
    y = np.zeros(len(train), dtype=np.int64)  # list-wise: the positive is column 0
    xt = inputs(d, test, a.history)
    loader = DataLoader(MatchDataGenerator(x, y).dataset, batch_size=a.batch, shuffle=True, num_workers=a.workers)
    prep = time.perf_counter() - t0

    V = d.v_item.size
    user_features = [SparseFeature("user_id", d.v_user.size, 64), SparseFeature("province", d.v_prov.size, 64),
                     SparseFeature("city", d.v_city.size, 64), SparseFeature("phone", d.v_phone.size, 64),
                     SequenceFeature("hist_items", V, 64, pooling="mean", shared_with="item_id", padding_idx=0)]
    item_features = [SparseFeature("item_id", V, 64)]
    neg_item_feature = [SequenceFeature("neg_items", V, 64, pooling="concat", shared_with="item_id")]
    model = YoutubeDNN(user_features, item_features, neg_item_feature,
                       user_params={"dims": [128, 64], "dropout": 0.0, "activation": "relu"},
                       temperature=a.temperature)
    if a.no_batchnorm:
        layers = model.user_mlp.mlp
        for i, layer in enumerate(layers):
            if isinstance(layer, torch.nn.BatchNorm1d):
                layers[i] = torch.nn.Identity()
    trainer = MatchTrainer(model, mode=2, optimizer_params={"lr": a.lr, "weight_decay": 0.0},
                           n_epoch=a.epochs, device="cpu", model_path="/tmp")

    epochs = []
    n = len(train)
    for ep in range(a.epochs):
        t1 = time.perf_counter()
        loss = trainer.train_one_epoch(loader)
        dt = time.perf_counter() - t1
        epochs.append({"epoch": ep + 1, "loss": loss, "samples_per_s": n / dt, "seconds": dt})
        print(f"epoch {ep + 1}  loss {loss:.4f}  {n / dt:.0f} samples/s  {dt:.1f}s", flush=True)

    model.eval()
    with torch.no_grad():
        model.mode = "user"
        u = model({k: torch.from_numpy(v) for k, v in xt.items()})
        model.mode = "item"
        items = model({"item_id": torch.arange(V)})
        model.mode = None
        scores = (u @ items.T).numpy()
    scores[:, 0] = -np.inf  # item 0 is <unk>, never a candidate
    ks = [10, 50]
    train_time = sum(e["seconds"] for e in epochs)
    import torch_rechub
    print(json.dumps({
        "tool": "torch-rechub", "recipe": "meanpool",
        "torch": torch.__version__, "torch_rechub": getattr(torch_rechub, "__version__", "?"),
        "threads": torch.get_num_threads(),
        "train_samples": n, "test_users": len(test), "skipped_test_users": d.skipped_users,
        "items": V, "epochs": epochs, "samples_per_s": n * a.epochs / train_time, "prep_seconds": prep,
        "metrics": hit_rates(scores, xt["item_id"], ks, unranked=d.skipped_users), "most_popular": most_popular(d, ks),
        "settings": vars(a),
    }))


if __name__ == "__main__":
    main()
