"""Class datasets: images (or vectors) by class, classes grouped into alphabets.

The few-shot protocol of Omniglot (Lake et al. 2015; Vinyals et al. 2016) on any such data:
classes are split by alphabet into background (meta-training), validation (choosing the
genome and the baselines' knobs) and evaluation (the reported numbers), so that no alphabet
is seen in two splits; an N-way K-shot episode draws N classes of one split, K support and
n_query query rows of each. Where the data come from is a loader beside this module: the
rendered glyphs (`glyphs.py`) or a user's files (`user_data.py`); each records its identity
(name, version, sha256) so an archive names the data it used.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from ..errors import ConfigError

SPLITS = ("background", "validation", "evaluation")


@dataclass(frozen=True)
class ClassData:
    """x: (n, h, w) uint8 images or (n, d) float vectors; label: (n,) int64 class of each row
    in 0..C-1 (every class has at least one row); group: (C,) int64 alphabet of each class in
    0..G-1; names of classes and alphabets; identity {'name', 'version', 'sha256'}.
    split: optional (C,) int8 index into SPLITS fixed by the data (Omniglot's folders), else
    None and `split_classes` splits by alphabet."""

    x: np.ndarray
    label: np.ndarray
    group: np.ndarray
    class_names: tuple
    group_names: tuple
    identity: dict
    split: np.ndarray | None = None
    _rows: list = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        order = np.argsort(self.label, kind="stable")
        bounds = np.searchsorted(self.label[order], np.arange(self.n_classes + 1))
        object.__setattr__(self, "_rows", [order[a:b] for a, b in zip(bounds[:-1], bounds[1:])])

    @property
    def n_classes(self) -> int:
        return len(self.group)

    @property
    def n_groups(self) -> int:
        return len(self.group_names)

    @property
    def is_image(self) -> bool:
        return self.x.ndim == 3

    def rows(self, c: int) -> np.ndarray:
        """Row indices of class c, in stored order."""
        return self._rows[c]

    def counts(self) -> np.ndarray:
        """(C,) rows per class."""
        return np.array([len(r) for r in self._rows])

    def flat(self) -> np.ndarray:
        """(n, d) float32 features: images scaled to [0, 1] and flattened, vectors as stored."""
        if self.is_image:
            return (self.x.reshape(len(self.x), -1).astype(np.float32) / 255.0)
        return np.asarray(self.x, dtype=np.float32)


def digest(*arrays: np.ndarray) -> str:
    """sha256 over the arrays' little-endian C-order bytes, dtype and shape included."""
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        a = a.astype(a.dtype.newbyteorder("<"), copy=False)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def split_classes(data: ClassData, fractions=(0.6, 0.15, 0.25), seed: int = 0) -> dict:
    """{split name: sorted class indices}: whole alphabets to each split.

    Uses data.split where the data fix it. Otherwise alphabets are shuffled by `seed` and
    dealt, in that order, to the split furthest below its share of classes, so every split
    gets whole alphabets and about its fraction of classes (each split at least one
    alphabet when there are three or more).
    """
    if data.split is not None:
        return {name: np.flatnonzero(data.split == i) for i, name in enumerate(SPLITS)}
    sizes = np.bincount(data.group, minlength=data.n_groups)
    order = np.random.default_rng(seed).permutation(data.n_groups)
    target = np.asarray(fractions, dtype=float) / np.sum(fractions) * sizes.sum()
    got = np.zeros(len(SPLITS))
    owner = np.empty(data.n_groups, dtype=np.int64)
    for i, g in enumerate(order):
        if sizes[g] == 0:
            owner[g] = 0
            continue
        empty = [s for s in range(len(SPLITS)) if got[s] == 0]
        left = data.n_groups - i
        if empty and left <= len(empty):        # the last alphabets go to empty splits
            s = empty[0]
        else:
            s = int(np.argmax(target - got))
        owner[g] = s
        got[s] += sizes[g]
    return {name: np.flatnonzero(owner[data.group] == i) for i, name in enumerate(SPLITS)}


@dataclass(frozen=True)
class Episodes:
    """E N-way K-shot episodes as row indices into a ClassData.

    support (E, N*K) and query (E, N*Q) rows; support_label / query_label their classes'
    positions 0..N-1 in the episode; classes (E, N) the class indices. The support rows of an
    episode are shuffled (an online learner sees them in that order); queries are by class.
    """

    support: np.ndarray
    support_label: np.ndarray
    query: np.ndarray
    query_label: np.ndarray
    classes: np.ndarray

    def __len__(self) -> int:
        return len(self.support)

    @property
    def n_way(self) -> int:
        return self.classes.shape[1]

    def take(self, index) -> "Episodes":
        return Episodes(self.support[index], self.support_label[index], self.query[index],
                        self.query_label[index], self.classes[index])


def eligible(data: ClassData, classes: np.ndarray, per_class: int) -> np.ndarray:
    """The classes of `classes` with at least per_class rows."""
    counts = data.counts()
    return np.asarray([c for c in classes if counts[c] >= per_class], dtype=np.int64)


def draw_episodes(rng: np.random.Generator, data: ClassData, classes: np.ndarray, n_way: int,
                  k_shot: int, n_query: int, n_episodes: int) -> Episodes:
    """n_episodes episodes over `classes`, one after another from rng (so the first episodes
    of a longer draw are those of a shorter one). Classes with fewer than k_shot + n_query
    rows are never drawn; fewer than n_way such classes is a ConfigError (a ValueError)."""
    pool = eligible(data, classes, k_shot + n_query)
    if len(pool) < n_way:
        raise ConfigError(f"{n_way}-way {k_shot}-shot with {n_query} queries needs {n_way} "
                         f"classes of >= {k_shot + n_query} rows; this split has {len(pool)}")
    E = n_episodes
    sup = np.empty((E, n_way * k_shot), np.int64); sup_y = np.empty_like(sup)
    qry = np.empty((E, n_way * n_query), np.int64); qry_y = np.empty_like(qry)
    cls = np.empty((E, n_way), np.int64)
    for e in range(E):
        chosen = rng.choice(pool, size=n_way, replace=False)
        s_rows, q_rows = [], []
        for c in chosen:
            rows = data.rows(c)
            pick = rows[rng.choice(len(rows), size=k_shot + n_query, replace=False)]
            s_rows.append(pick[:k_shot]); q_rows.append(pick[k_shot:])
        order = rng.permutation(n_way * k_shot)
        sup[e] = np.concatenate(s_rows)[order]
        sup_y[e] = np.repeat(np.arange(n_way), k_shot)[order]
        qry[e] = np.concatenate(q_rows)
        qry_y[e] = np.repeat(np.arange(n_way), n_query)
        cls[e] = chosen
    return Episodes(sup, sup_y, qry, qry_y, cls)
