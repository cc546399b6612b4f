"""Class episodes: N-way K-shot episodes from any class data set (glyphs or a user's files).

Omniglot's few-shot protocol (Lake et al. 2015; Vinyals et al. 2016) on a `ClassData`
(tasks/class_data.py): classes are split by alphabet into background, validation and
evaluation classes, so that no alphabet is in two splits. Meta-training episodes draw their
classes from the background split; the run's held-out episodes draw theirs from the
validation split, because the held-out score chooses genomes (the hall of fame, `best`,
`evo-l2l evaluate --tasks heldout`) and a score that chose must not be the one reported.
The evaluation classes are reserved for the final protocol: no run draws them, and a data
set that has only evaluation classes (the digits, a cross-domain test) cannot meta-train.

An episode is as in rot_digits: N classes at random in random output order, K support rows
per class shuffled and learned online in one segment, n_query other rows per class as the
query set (one test group). Pixels (images scaled to [0, 1]) are standardised with the
per-pixel mean and one global scale of the background rows, a fixed function of the
meta-training data. Inputs: size * size pixels (or a vector data set's d features) and a
bias.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from ..errors import ConfigError
from . import class_data as cd
from .episodes import (Episode, EpisodeSettings, child_generators, episodes_size,
                       initial_weights, pack, with_bias)
from .family import TaskFamily
from .taskset import HELDOUT, TRAIN, TaskSet

TRAIN_SPLIT, HELDOUT_SPLIT = "background", "validation"


def load_data(s: "Settings") -> cd.ClassData:
    """The ClassData the settings name: glyphs at s.size (rendered into the cache folder on
    first use), the user's file or folder, or the digits (for an evaluation protocol)."""
    if s.dataset == "glyphs":
        from . import glyphs
        return glyphs.load(size=s.size)
    from . import user_data
    if s.dataset == "digits":
        return user_data.digit_classes(s.size)
    return user_data.load_class_data(s.path, s.size)


def features(data: cd.ClassData, rows: np.ndarray) -> np.ndarray:
    """(len(rows), d) float64: images scaled to [0, 1] and flattened, vectors as stored."""
    x = data.x[rows].reshape(len(rows), -1).astype(np.float64)
    return x / 255.0 if data.is_image else x


def standardiser(data: cd.ClassData, classes: np.ndarray) -> tuple[np.ndarray, float]:
    """(per-feature mean (d,), one global scale) of the rows of `classes`.

    One scale for every pixel, as in rot_digits: distances between images stay those of
    the raw pixels up to a factor (per-pixel scaling inflates border pixels that are
    nearly always 0).
    """
    x = features(data, np.concatenate([data.rows(c) for c in classes]))
    mean = x.mean(axis=0)
    return mean, float(np.sqrt(np.mean((x - mean) ** 2))) or 1.0


def draw(rng: np.random.Generator, data: cd.ClassData, classes: np.ndarray, split: str,
         standard: tuple[np.ndarray, float], n: int, s: "Settings") -> list[Episode]:
    """n episodes over `classes` (the classes of `split`), each with fresh initial weights.

    Rows and weights come from two generators of rng, each drawn one episode after
    another, so the first episodes of a longer draw are those of a shorter one.
    """
    rows_rng, weights_rng = child_generators(rng, 2)
    try:
        ep = cd.draw_episodes(rows_rng, data, classes, s.n_way, s.k_shot, s.n_query, n)
    except ValueError as e:
        raise ConfigError(f"{data.identity.get('name')}, {split} classes: {e}") from None
    mean, scale = standard
    out = []
    for e in range(n):
        support = with_bias((features(data, ep.support[e]) - mean) / scale), ep.support_label[e]
        query = (with_bias((features(data, ep.query[e]) - mean) / scale), ep.query_label[e],
                 np.ones(s.n_way))
        Wh, Wo = initial_weights(weights_rng, s.n_hidden, len(mean) + 1, s.n_way, s.init_scale)
        out.append(Episode([support], [query], Wh, Wo, {"classes": ep.classes[e].tolist()}))
    return out


def make_class_episodes(rng: np.random.Generator, s: "Settings") -> TaskSet:
    """The task set: s.n_train_episodes background episodes, then s.n_heldout validation ones.

    Parameters
    ----------
    rng : numpy.random.Generator
        Every draw comes from it (two child generators: training, held-out).
    s : Settings
        Validated [tasks] settings.

    Returns
    -------
    TaskSet
        Episodes packed by `episodes.pack`: X (T, n_way * (k_shot + n_query), d + 1), one-hot
        Y, fresh initial weights per episode; params record the settings, the split sizes
        (classes and alphabets), each episode's classes and the data's identity.

    Raises
    ------
    ConfigError
        The data cannot be read, or a split has fewer than n_way classes with enough rows.
    """
    data = load_data(s)
    splits = cd.split_classes(data)
    standard = standardiser(data, splits[TRAIN_SPLIT])
    train_rng, heldout_rng = child_generators(rng, 2)
    episodes = (draw(train_rng, data, splits[TRAIN_SPLIT], TRAIN_SPLIT, standard,
                     s.n_train_episodes, s)
                + draw(heldout_rng, data, splits[HELDOUT_SPLIT], HELDOUT_SPLIT, standard,
                       s.n_heldout, s))
    split = np.array([TRAIN] * s.n_train_episodes + [HELDOUT] * s.n_heldout, dtype=np.int8)
    params = {"dataset": s.dataset, "path": s.path, "size": s.size, "n_way": s.n_way,
              "k_shot": s.k_shot, "n_query": s.n_query, "n_hidden": s.n_hidden,
              "init_scale": s.init_scale, "train_split": TRAIN_SPLIT,
              "heldout_split": HELDOUT_SPLIT,
              "split_classes": {k: len(v) for k, v in splits.items()},
              "split_alphabets": {k: len(np.unique(data.group[v])) for k, v in splits.items()},
              "classes": [e.info["classes"] for e in episodes], "data": dict(data.identity)}
    return pack(episodes, split, s.n_way, "class_episodes", params)


def meta_training_inputs(params: dict) -> np.ndarray:
    """(n, d) every row of the background classes as episodes hold it (standardised, no
    bias column), from a task set's params: the data they name, checked by their sha256.

    Raises ConfigError if the data read now are not the ones the task set was drawn from.
    """
    s = Settings(dataset=params["dataset"], path=params.get("path"), size=params["size"])
    data = load_data(s)
    was = params.get("data", {}).get("sha256")
    if was is not None and data.identity.get("sha256") != was:
        raise ConfigError(f"the {s.dataset} data read now (sha256 "
                          f"{str(data.identity.get('sha256'))[:12]}) are not the ones these "
                          f"episodes were drawn from (sha256 {str(was)[:12]})")
    background = cd.split_classes(data)[TRAIN_SPLIT]
    mean, scale = standardiser(data, background)
    return (features(data, np.concatenate([data.rows(c) for c in background])) - mean) / scale


@dataclass
class Settings(EpisodeSettings):
    dataset: str = setting("glyphs", "glyphs (2001 rendered classes, 50 alphabets), path (a "
                                     "user's .npz/.h5 file or Omniglot-layout folder: "
                                     "tasks.path) or digits (evaluation classes only: refused "
                                     "here)", choices=("glyphs", "path", "digits"))
    path: str | None = setting(None, "the data file or folder when dataset = path")
    size: int = setting(14, "image side in pixels (images are resized; vectors are not)",
                        low=2, high=64)
    n_heldout: int = setting(100, "held-out episodes stored in the run, on validation "
                                  "classes (evaluate draws 1000 or --n-tasks, these first)",
                             low=1)
    n_way: int = setting(5, "classes per episode (output units)", low=2, high=100)
    k_shot: int = setting(1, "support rows per class, learned online in one pass", low=1,
                          high=100)
    n_query: int = setting(15, "query rows per class, scored after the support set", low=1,
                           high=100)

    def check(self) -> None:
        need(self.dataset != "digits",
             "dataset 'digits' has evaluation classes only (a cross-domain test set), so it "
             "cannot meta-train: use glyphs or path")
        need(self.dataset != "path" or bool(self.path),
             "dataset 'path' needs tasks.path (an .npz/.h5 file or Omniglot-layout folder)")
        need(self.dataset == "path" or self.path is None,
             f"tasks.path is read only with dataset 'path' (dataset is {self.dataset!r})")
        from .glyphs import INSTANCES
        need(self.dataset != "glyphs" or self.k_shot + self.n_query <= INSTANCES,
             f"k_shot + n_query must be <= {INSTANCES} (rows per glyph class)")


FAMILY = TaskFamily(
    "class_episodes", Settings, frozenset({"hidden_layer", "episodes"}), make_class_episodes,
    "N-way K-shot episodes of a class data set (glyphs or a user's); background classes "
    "meta-train, held-out episodes use validation classes",
    meta_training_inputs=meta_training_inputs,
    # A user's data may be vectors of any length: known only once read.
    size=lambda s: None if s.dataset != "glyphs" else episodes_size(
        s, s.n_way * (s.k_shot + s.n_query), s.size * s.size + 1, s.n_way))
