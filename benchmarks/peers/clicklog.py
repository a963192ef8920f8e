"""The evaluation protocol of ydnn, re-implemented for the Python peers.

Both PyTorch peers read the Paddle text file through this module so they see
exactly the samples ydnn sees (Sources/YDNN/Data/{Vocabulary,SampleContext,
SampleBuilder}.swift is the reference):

- per user, clicks in file order (the Paddle format has no timestamps);
- leave-last-out: each user's last click is the test target, the rest train;
- vocabularies with Paddle's feat_appear_limit: a value is kept when its count
  over TRAINING clicks is strictly greater than min_count; the rest map to
  <unk> = id 0, and item id 0 doubles as the history pad. user_id, items,
  categories and tags are counted per training click (tags once per tag),
  province, city and phone once per user;
- clicks on <unk> items drop out of histories and are never targets;
- users whose test target is <unk> cannot be ranked: they are skipped and
  count as misses, as ydnn counts them (hit rates are over every user with a
  test click, rankable or not; `hit_rates(..., unranked=)`).
"""
import numpy as np


class Vocab:
    """Paddle's dictionary: kept values get ids 1.. by descending count."""

    def __init__(self, counts, min_count):
        kept = [k for k, c in counts.items() if c > min_count and k not in ("", "NULL")]
        # Python's sort is stable and dicts keep insertion order, so ties keep
        # first appearance, like ydnn (ids only matter for reproducibility).
        kept.sort(key=lambda k: -counts[k])
        self.ids = {k: i + 1 for i, k in enumerate(kept)}
        self.size = len(kept) + 1

    def __getitem__(self, key):
        return self.ids.get(key, 0)


class ClickData:
    def __init__(self, path, min_count=20):
        users = []  # (user, province, city, phone, [(item, category, [tags])])
        item_meta = {}
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                u, prov, city, clicks, phone = line.split("\t")
                seq = []
                for c in clicks.split(";"):
                    if not c:
                        continue
                    item, cat, tags = c.split(":", 2)
                    tags = [t for t in tags.split("_") if t]
                    item_meta.setdefault(item, (cat, tags))
                    seq.append(item)
                users.append((u, prov, city, phone, seq))
        self.num_users = len(users)

        # Counts over training clicks (everything but each user's last click).
        from collections import Counter
        cu, cp, cc, cph, ci, ccat, ctag = (Counter() for _ in range(7))
        for u, prov, city, phone, seq in users:
            train = seq[:-1]
            cu[u] += len(train)
            cp[prov] += 1
            cc[city] += 1
            cph[phone] += 1
            for it in train:
                ci[it] += 1
                cat, tags = item_meta[it]
                ccat[cat] += 1
                for t in tags:
                    ctag[t] += 1
        self.v_user, self.v_prov, self.v_city, self.v_phone = (
            Vocab(c, min_count) for c in (cu, cp, cc, cph))
        self.v_item, self.v_cat, self.v_tag = (Vocab(c, min_count) for c in (ci, ccat, ctag))

        # Per item id: category id and tag ids; the pad/<unk> item 0 has
        # category 0 and the single tag 0, as Paddle pads them.
        n_items = self.v_item.size
        self.item_cat = np.zeros(n_items, dtype=np.int64)
        self.item_tags = [[0] for _ in range(n_items)]
        for key, i in self.v_item.ids.items():
            cat, tags = item_meta[key]
            self.item_cat[i] = self.v_cat[cat]
            self.item_tags[i] = [self.v_tag[t] for t in tags] or [0]
        self.max_tags = max(len(t) for t in self.item_tags)

        # Known training clicks per user, user features, test targets.
        self.known = []
        self.user_feats = np.zeros((self.num_users, 4), dtype=np.int64)
        self.test_target = np.zeros(self.num_users, dtype=np.int64)
        self.item_counts = np.zeros(n_items, dtype=np.int64)
        for k, (u, prov, city, phone, seq) in enumerate(users):
            self.user_feats[k] = (self.v_user[u], self.v_prov[prov], self.v_city[city], self.v_phone[phone])
            ids = [self.v_item[it] for it in seq[:-1]]
            ids = [i for i in ids if i != 0]
            self.known.append(ids)
            for i in ids:
                self.item_counts[i] += 1
            self.test_target[k] = self.v_item[seq[-1]] if seq else 0
        self.test_users = np.nonzero(self.test_target)[0]
        self.skipped_users = self.num_users - len(self.test_users)

    def item_frequency(self):
        """Noise distribution: item share of the known training clicks (item 0 never drawn)."""
        c = self.item_counts.astype(np.float64)
        c[0] = 0
        return c / c.sum()

    # --- histories -------------------------------------------------------------

    def window_samples(self, n):
        """Paddle's reader: padded = [pad] + known; every known click is a
        target; the history of padded position i is padded[max(0, i-n):i].
        Returns (user index, history list, target) for training, and the test
        histories (one step past the last known click) for the test users."""
        train = []
        for u, ids in enumerate(self.known):
            padded = [0] + ids
            for i in range(1, len(padded)):
                train.append((u, padded[max(0, i - n):i], padded[i]))
        test = []
        for u in self.test_users:
            padded = [0] + self.known[u]
            i = len(padded)
            test.append((u, padded[max(0, i - n):i], int(self.test_target[u])))
        return train, test

    def recent_samples(self, n):
        """DeepMatch style: the history of known click p is known[max(0,p-n):p],
        no pad; targets start at the second known click. An empty test history
        gets the pad."""
        train = []
        for u, ids in enumerate(self.known):
            for p in range(1, len(ids)):
                train.append((u, ids[max(0, p - n):p], ids[p]))
        test = []
        for u in self.test_users:
            ids = self.known[u]
            test.append((u, ids[max(0, len(ids) - n):] or [0], int(self.test_target[u])))
        return train, test


def hit_rates(scores, targets, ks, unranked=0):
    """scores: [users, items] with item 0 already excluded (set to -inf);
    a target's rank is the number of items scoring strictly higher. The
    `unranked` users (test target <unk>) count as misses, as in ydnn's
    `evaluate`: without them the peers' hit rates were over 811 users of
    ml-100k-paddle and ydnn's over 943, 943/811 = 1.16 times higher for the
    same ranking (the most-popular rows showed it: 0.1122 against 0.0965)."""
    t = scores[np.arange(len(targets)), targets]
    rank = (scores > t[:, None]).sum(axis=1)
    return {f"hr@{k}": float((rank < k).sum() / (len(targets) + unranked)) for k in ks}


def most_popular(data, ks):
    """The baseline ydnn prints beside every evaluation."""
    counts = data.item_counts.astype(np.float64).copy()
    counts[0] = -np.inf
    scores = np.tile(counts, (len(data.test_users), 1))
    return hit_rates(scores, data.test_target[data.test_users], ks, unranked=data.skipped_users)
