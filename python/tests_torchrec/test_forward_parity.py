"""(a) Forward parity: a ydnn model's weights, loaded into the TorchRec network, give
ydnn's user vectors and logits within 1e-5 (every encoder kind, both loss families)."""
import os

import numpy as np
import pytest

from conftest import ROOT, run_ydnn

MOVIELENS = os.path.join(ROOT, "..", "shared", "data", "ml-100k")

DATA = """seed 3
generate users=300 items=200 categories=10
vocab min_count=2
split holdout=last
window 5
"""

NETWORKS = {
    "nce": """embed user_id 16
embed province 8
embed city 6
embed categories 8 pool=avg
embed tags 8 pool=max
pool phone sum dim=4 last_slot=on
lstm items 16 pool=max
attention items dim=8 last_slot=on
dense 32 relu
dense 15 relu
nce negatives=5 noise=frequency
""",
    "softmax": """embed user_id 12
embed tags 8 pool=sum
lstm items 12 pool=last
dense 16 relu
normalize temperature=0.1
softmax sampled=20 logq=on
""",
}


# Ratings weight the history's clicks (only MovieLens-style logs have them).
WEIGHTED = f"""seed 3
load movielens "{MOVIELENS}"
vocab min_count=5
split holdout=last
history max=20
"""
NETWORKS["weighted"] = """pool items avg dim=16 weighted=on
embed user_id 8
dense 16 relu
softmax inbatch logq=on
"""


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_user_vectors_and_logits_match(tmp_path, name):
    from ydnn_torchrec import vectors, weights
    from ydnn_torchrec.bundle import Bundle
    tmp = str(tmp_path)
    data = DATA
    if name == "weighted":
        if not os.path.exists(os.path.join(MOVIELENS, "u.data")):
            pytest.skip("../shared/data/ml-100k not found")
        data = WEIGHTED
    run_ydnn(tmp, "parity.ydnn", data + NETWORKS[name] + f"""train epochs=1 batch=64
export torchrec "{tmp}/bundle" weights=on
vectors users "{tmp}/users.npy"
vectors items "{tmp}/items.npy"
""")
    bundle = Bundle(os.path.join(tmp, "bundle"))
    tensors, _ = weights.read(os.path.join(tmp, "bundle", "init"), bundle)
    users, logits = vectors.compute(bundle, tensors, "serving", logit_rows=32)
    want_users = np.load(os.path.join(tmp, "users.npy"))
    items = np.load(os.path.join(tmp, "items.npy"))
    assert users.shape == want_users.shape
    assert np.abs(users - want_users).max() < 1e-5
    # ydnn's vectors: user [1, u], item [T b, w] (w normalised when the model normalises),
    # so logits u.w/T + b are their inner product over T.
    want_logits = want_users[:32] @ items.T / float(bundle.spec["temperature"])
    assert np.abs(logits - want_logits).max() < 1e-5
    assert np.abs(want_logits).max() > 0.1  # a trained model, not zeros


def test_full_softmax_loss_matches_ydnn(tmp_path):
    """The loss too: with a full softmax nothing is random, so ydnn's first-epoch loss at
    a learning rate of 1e-12 is the loss of the starting weights (output bias at log q)
    over every training sample, which the TorchRec network and losses.py recompute."""
    import torch
    from ydnn_torchrec import state, weights
    from ydnn_torchrec.bundle import Bundle
    from ydnn_torchrec.losses import OutputLoss
    from ydnn_torchrec.net import YdnnNet
    tmp = str(tmp_path)
    out = run_ydnn(tmp, "loss.ydnn", DATA + f"""embed user_id 8
embed tags 8 pool=avg
lstm items 8 pool=max
dense 12 relu
softmax full
export torchrec "{tmp}/bundle" weights=on
train epochs=1 batch=64 optimizer=sgd lr=1e-12
""")
    ydnn_loss = float(next(line.split()[1] for line in out.splitlines() if line.split()[:1] == ["1"]))
    bundle = Bundle(os.path.join(tmp, "bundle"))
    tensors, meta = weights.read(os.path.join(tmp, "bundle", "init"), bundle)
    assert weights.fresh(meta)
    tensors = weights.with_output_bias_prior(bundle, tensors)
    net = YdnnNet(bundle, table_device="cpu").eval()
    state.load(net, net, tensors)
    loss_fn = OutputLoss(bundle.spec, bundle.noise, bundle.seed)
    train = bundle.split("train")
    total = 0.0
    with torch.no_grad():
        for lo in range(0, train.samples, 2048):
            batch = train.take(np.arange(lo, min(lo + 2048, train.samples)))
            cand, extra = loss_fn.candidates(batch.labels, 0, 0, batch.size)
            u, w, b = net(net.inputs(batch, cand, "cpu"))
            total += loss_fn.loss(u, w, b, batch.labels, extra, cand).item()
    assert abs(total / train.samples - ydnn_loss) < 1e-4, (total / train.samples, ydnn_loss)
