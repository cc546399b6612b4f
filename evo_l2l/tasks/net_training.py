"""Net training: tasks whose learner is an optimizer (learning to optimize).

A task is a small MLP to train: a dataset sample (n_train training rows, then n_test test
rows), a net (1-3 hidden layers with biases, tanh or ReLU, a linear output layer), a loss,
a minibatch sequence and an initialisation. An optimizer under test trains it
(kernels/mlp_train.py) and is scored by the test loss. The TaskSet holds X (T, P, D) without
a bias column (the layers have biases), Y (T, P, O), and net_spec (T, 12) with the columns
NET_SPEC (tasks/taskset.py); W0 is zeros, unused. The helpers below turn a TaskSet into the
kernel's arguments: architecture, n_train, loss_scales, initial_parameters and minibatches.

Datasets, never downloaded:
    mnist1d     MNIST-1D signals (40 inputs, 10 classes), softmax cross-entropy
    digits      scikit-learn's 8x8 digits, pixels / 16 (64 inputs, 10 classes), cross-entropy
    regression  synthetic per task: inputs N(0, 1) of 4..16 dimensions, targets of a random
                teacher MLP (16 tanh units) with 1-3 outputs plus noise 0.1, standardised per
                output on the task's training rows; squared error
A classification dataset's rows are split once, by the fixed permutation
`default_rng(POOL_SEED).permutation(n)`, into a meta-training pool (the first half) and a
held-out pool (the rest); features are standardised per feature with the meta-training
pool's mean and std. Meta-training tasks draw their rows from the meta-training pool,
held-out tasks from the held-out pool, so no held-out task sees a row a rule was evolved on.
A held-out task on a classification dataset that is not the meta-training dataset draws
from all its rows instead: meta-training saw none of them, and the digits' held-out pool
(359 rows) would not hold the 512 rows of a default task.

Held-out tasks come from a named family (HELDOUT_FAMILIES), by default "same" (the
meta-training distribution on held-out rows); the others are harder in one named way, so
an analysis can score optimizers on each separately (`make_tasks`).
"""
from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from .family import TaskFamily, TaskSettings, check_heldout
from .taskset import HELDOUT, NET_SPEC, TRAIN, TaskSet, padded_nbytes

DATASETS = ("mnist1d", "digits", "regression")
CLASSIFICATION = ("mnist1d", "digits")
ACTIVATIONS = ("tanh", "relu")              # column `activation`: the index here
CROSS_ENTROPY, SQUARED = 0, 1               # column `loss`
POOL_SEED = 12345                           # the fixed split of each dataset into two pools
META_FRACTION = 0.5
STD_FLOOR = 1e-6
N_CLASSES = 10
TEACHER_HIDDEN = 16
NOISE = 0.1
MAX_HIDDEN = 3                              # the kernel's limit
N_ROWS = {"mnist1d": 5000, "digits": 1797}  # known, so settings are checked without the data
COL = {name: i for i, name in enumerate(NET_SPEC)}


def _other_dataset(s, name: str):
    """Settings s on dataset `name`, its rows cut to fit: at most a quarter of the dataset's
    rows as test rows, the training rows what remains (digits has 1797 in all); its targets,
    classes, unscaled."""
    n_test = min(s.n_test, N_ROWS[name] // 4)
    n_train = min(s.n_train, N_ROWS[name] - n_test)
    return dataclasses.replace(s, dataset=name, n_train=n_train, n_test=n_test,
                               max_batch=min(s.max_batch, n_train),
                               min_batch=min(s.min_batch, n_train),
                               min_target_scale=1.0, max_target_scale=1.0)


# Held-out families: meta-training settings -> the held-out tasks' distribution.
HELDOUT_FAMILIES = {
    "same": lambda s: s,
    "wide": lambda s: dataclasses.replace(s, min_width=128, max_width=128),
    "deep": lambda s: dataclasses.replace(s, min_hidden=3, max_hidden=3),
    "long": lambda s: dataclasses.replace(s, n_steps=4 * s.n_steps),
    "digits": lambda s: _other_dataset(s, "mnist1d" if s.dataset == "digits" else "digits"),
    "regression": lambda s: dataclasses.replace(s, dataset="regression"),
    "relu": lambda s: dataclasses.replace(s, activations=["relu"], min_init_scale=2.0,
                                          max_init_scale=2.0),
}


@dataclass
class Settings(TaskSettings):
    dataset: str = setting("mnist1d", "meta-training data: mnist1d (40 inputs, 10 classes), "
                                      "digits (8x8, 64 inputs, 10 classes) or regression "
                                      "(a random teacher MLP per task)", choices=DATASETS)
    n_tasks: int = setting(24, "tasks in all, the held-out ones included", low=2)
    n_heldout: int = setting(8, "tasks held out from evolution (drawn from heldout_family on "
                                "held-out data)", low=1)
    n_train: int = setting(256, "training rows of a task (its minibatches' rows)", low=1)
    n_test: int = setting(256, "test rows of a task (its score)", low=1)
    min_hidden: int = setting(1, "fewest hidden layers", low=1, high=MAX_HIDDEN)
    max_hidden: int = setting(1, "most hidden layers", low=1, high=MAX_HIDDEN)
    min_width: int = setting(16, "narrowest hidden layer (widths log-uniform)", low=1,
                             high=1024)
    max_width: int = setting(32, "widest hidden layer", low=1, high=1024)
    activations: list[str] = setting(["tanh"], "hidden activations a task draws from",
                                     choices=ACTIVATIONS)
    min_batch: int = setting(32, "smallest minibatch", low=1)
    max_batch: int = setting(32, "largest minibatch (at most n_train)", low=1)
    n_steps: int = setting(100, "training steps of every task", low=1, high=100_000)
    min_init_scale: float = setting(1.0, "smallest initial scale (weights N(0, 1) * scale / "
                                         "sqrt(fan in); log-uniform)", low=0.0, low_open=True)
    max_init_scale: float = setting(1.0, "largest initial scale", low=0.0, low_open=True)
    min_target_scale: float = setting(1.0, "regression: each task's standardised targets "
                                           "times a factor, log-uniform between these (losses "
                                           "and gradients of different sizes across tasks, as "
                                           "real tasks have)", low=0.0, low_open=True)
    max_target_scale: float = setting(1.0, "regression: the largest target factor", low=0.0,
                                      low_open=True)
    min_loss_scale: float = setting(1.0, "each task's loss (so its gradients) times a factor, "
                                         "log-uniform between these: the same problem with "
                                         "gradients of another size, as loss weights, sums "
                                         "instead of means and loss scaling give", low=0.0,
                                    low_open=True)
    max_loss_scale: float = setting(1.0, "the largest loss factor", low=0.0, low_open=True)
    heldout_family: str = setting("same", "distribution of the held-out tasks: same, wide, "
                                          "deep, long, digits, regression or relu",
                                  choices=tuple(HELDOUT_FAMILIES))

    def check(self) -> None:
        check_settings(self, self.dataset)
        check_settings(heldout_settings(self, self.heldout_family), self.dataset,
                       self.heldout_family)
        check_heldout(self.n_heldout, self.n_tasks)


def heldout_settings(s: Settings, family: str) -> Settings:
    """The distribution of held-out family `family` given meta-training settings s."""
    need(family in HELDOUT_FAMILIES, f"unknown held-out family {family!r}; known: "
                                     f"{', '.join(HELDOUT_FAMILIES)}")
    return HELDOUT_FAMILIES[family](s)


def source(dataset: str, meta_dataset: str, family: str | None) -> str:
    """Where a task's rows come from: 'meta' (meta-training tasks), 'heldout' (held-out
    tasks on the meta-training dataset), 'all' (held-out tasks on another dataset, none of
    whose rows meta-training saw) or 'synthetic' (regression)."""
    if dataset not in CLASSIFICATION:
        return "synthetic"
    if family is None:
        return "meta"
    return "heldout" if dataset == meta_dataset else "all"


def pool_rows(dataset: str, where: str) -> int:
    """Rows a task on a classification dataset draws from (`where` as `source` says)."""
    n = N_ROWS[dataset]
    meta = int(round(META_FRACTION * n))
    return {"meta": meta, "heldout": n - meta, "all": n}[where]


def check_settings(s: Settings, meta_dataset: str, family: str | None = None) -> None:
    """The cross-field rules of one task distribution (ConfigError naming the fields);
    family: None for meta-training tasks, else the held-out family s describes."""
    where = "" if family is None else f" (held-out family {family!r})"
    need(len(s.activations) >= 1,
         f"activations must name at least one of {', '.join(ACTIVATIONS)}")
    need(s.min_hidden <= s.max_hidden, f"min_hidden must be <= max_hidden{where}")
    need(1 <= s.min_hidden and s.max_hidden <= MAX_HIDDEN,
         f"min_hidden and max_hidden must be in 1..{MAX_HIDDEN}{where}")
    need(s.min_width <= s.max_width, f"min_width must be <= max_width{where}")
    need(s.min_batch <= s.max_batch, f"min_batch must be <= max_batch{where}")
    need(s.max_batch <= s.n_train, f"max_batch must be <= n_train ({s.n_train}){where}")
    need(s.min_init_scale <= s.max_init_scale,
         f"min_init_scale must be <= max_init_scale{where}")
    need(s.min_target_scale <= s.max_target_scale,
         f"min_target_scale must be <= max_target_scale{where}")
    need(s.min_loss_scale <= s.max_loss_scale,
         f"min_loss_scale must be <= max_loss_scale{where}")
    need(s.dataset == "regression" or s.min_target_scale == s.max_target_scale == 1.0,
         f"target scales apply to regression tasks; {s.dataset}'s targets are classes{where}")
    rows_from = source(s.dataset, meta_dataset, family)
    if rows_from != "synthetic":
        rows = pool_rows(s.dataset, rows_from)
        pool_name = {"meta": "meta-training pool", "heldout": "held-out pool",
                     "all": "rows"}[rows_from]
        need(s.n_train + s.n_test <= rows,
             f"n_train + n_test must be <= {rows}, the {pool_name} of {s.dataset}{where}")


@functools.lru_cache(maxsize=None)
def _pools(name: str) -> tuple:
    """(meta x, meta labels, held-out x, held-out labels, identity) of a classification
    dataset: standardised (n, D) features, read-only."""
    if name == "mnist1d":
        from . import mnist1d_data
        x, y = mnist1d_data.signals()
        identity = mnist1d_data.data_identity()
    else:
        from . import digits_data
        images, y = digits_data.digits()
        x = images.reshape(len(images), -1) / 16.0
        identity = digits_data.data_identity()
    if len(x) != N_ROWS[name]:        # the pools' sizes are known before the data load
        raise RuntimeError(f"{name} has {len(x)} rows, not {N_ROWS[name]}")
    order = np.random.default_rng(POOL_SEED).permutation(len(x))
    cut = int(round(META_FRACTION * len(x)))
    meta, held = order[:cut], order[cut:]
    mean = x[meta].mean(axis=0)
    std = np.maximum(x[meta].std(axis=0), STD_FLOOR)
    out = []
    for idx in (meta, held):
        xs, ys = np.ascontiguousarray((x[idx] - mean) / std), np.ascontiguousarray(y[idx])
        xs.flags.writeable = ys.flags.writeable = False
        out += [xs, ys]
    return (*out, identity)


def pool(name: str, where: str) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, D), labels (n,)) of a classification dataset's rows: where 'meta' (its
    meta-training pool), 'heldout' (its held-out pool) or 'all' (both, in that order), all
    standardised with the meta-training pool's statistics."""
    p = _pools(name)
    if where == "meta":
        return p[0], p[1]
    if where == "heldout":
        return p[2], p[3]
    return np.concatenate([p[0], p[2]]), np.concatenate([p[1], p[3]])


def data_identity(name: str) -> dict:
    """{'name', 'version', 'sha256'} of a classification dataset."""
    return _pools(name)[4]


def _log_uniform(low: float, high: float, u: float) -> float:
    """The point a fraction u of the way from low to high on a log scale."""
    return low * (high / low) ** u


def _log_uniform_int(rng, low: int, high: int) -> int:
    """An integer in [low, high], P(k) proportional to log((k + 1) / k)."""
    return min(high, int(math.floor(low * ((high + 1) / low) ** rng.uniform())))


def _regression_data(rng, n_rows: int, n_train: int) -> tuple[np.ndarray, np.ndarray]:
    """(inputs (n_rows, d), targets (n_rows, o)) of a random teacher MLP."""
    d = int(rng.integers(4, 17))
    o = int(rng.integers(1, 4))
    W1 = rng.normal(size=(TEACHER_HIDDEN, d)) / math.sqrt(d)
    W2 = rng.normal(size=(o, TEACHER_HIDDEN)) / math.sqrt(TEACHER_HIDDEN)
    x = rng.normal(size=(n_rows, d))
    y = np.tanh(x @ W1.T) @ W2.T + NOISE * rng.normal(size=(n_rows, o))
    mean = y[:n_train].mean(axis=0)
    std = np.maximum(y[:n_train].std(axis=0), STD_FLOOR)
    return x, (y - mean) / std


def _draw_task(rng, s: Settings, where: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X (P, D), Y (P, O), net_spec row (11,)) of one task of distribution s, its rows from
    `where` (see `source`)."""
    n_rows = s.n_train + s.n_test
    if where == "synthetic":
        x, y = _regression_data(rng, n_rows, s.n_train)
        loss = SQUARED
    else:
        px, py = pool(s.dataset, where)
        pick = rng.choice(len(px), size=n_rows, replace=False)
        x, y = px[pick], np.eye(N_CLASSES)[py[pick]]
        loss = CROSS_ENTROPY
    spec = np.zeros(len(NET_SPEC))
    n_hidden = int(rng.integers(s.min_hidden, s.max_hidden + 1))
    spec[COL["n_hidden"]] = n_hidden
    for layer in range(n_hidden):
        spec[COL["width1"] + layer] = _log_uniform_int(rng, s.min_width, s.max_width)
    spec[COL["activation"]] = ACTIVATIONS.index(s.activations[rng.integers(len(s.activations))])
    spec[COL["loss"]] = loss
    spec[COL["batch_size"]] = rng.integers(s.min_batch, s.max_batch + 1)
    spec[COL["n_steps"]] = s.n_steps
    spec[COL["init_scale"]] = _log_uniform(s.min_init_scale, s.max_init_scale, rng.uniform())
    spec[COL["seed"]] = rng.integers(0, 2 ** 31)
    spec[COL["n_train"]] = s.n_train
    spec[COL["loss_scale"]] = 1.0
    if where == "synthetic" and (s.min_target_scale, s.max_target_scale) != (1.0, 1.0):
        # drawn last and only when asked for, so tasks without it are drawn as before
        y = y * _log_uniform(s.min_target_scale, s.max_target_scale, rng.uniform())
    if (s.min_loss_scale, s.max_loss_scale) != (1.0, 1.0):
        # from the task's own seed, as its weights and minibatches: the same tasks as without
        # loss scales, only scaled
        u = np.random.default_rng([int(spec[COL["seed"]]), 2]).uniform()
        spec[COL["loss_scale"]] = _log_uniform(s.min_loss_scale, s.max_loss_scale, u)
    return x, y, spec


def _draw(rng, settings: Settings, family: str | None, n: int) -> tuple[list, str]:
    """(n tasks, their dataset): meta-training tasks (family None) or held-out tasks of a
    family."""
    s = settings if family is None else heldout_settings(settings, family)
    check_settings(s, settings.dataset, family)
    where = source(s.dataset, settings.dataset, family)
    return [_draw_task(rng, s, where) for _ in range(n)], s.dataset


def _pack(tasks: list, split: np.ndarray, params: dict) -> TaskSet:
    T = len(tasks)
    P = max(len(x) for x, _, _ in tasks)
    D = max(x.shape[1] for x, _, _ in tasks)
    O = max(y.shape[1] for _, y, _ in tasks)
    X, Y = np.zeros((T, P, D)), np.zeros((T, P, O))
    for t, (x, y, _) in enumerate(tasks):
        X[t, :len(x), :x.shape[1]] = x
        Y[t, :len(y), :y.shape[1]] = y
    return TaskSet(X, Y, np.zeros((T, O, D)),
                   [len(x) for x, _, _ in tasks], [x.shape[1] for x, _, _ in tasks],
                   [y.shape[1] for _, y, _ in tasks], split, "net_training", params,
                   net_spec=np.stack([spec for _, _, spec in tasks]))


def _params(s: Settings, heldout_family: str, datasets: list[str]) -> dict:
    params = dataclasses.asdict(s)
    params["heldout_family"] = heldout_family
    params["datasets"] = datasets          # each task's dataset
    params["data"] = {name: data_identity(name)
                      for name in sorted(set(datasets) & set(CLASSIFICATION))}
    params["pool_seed"] = POOL_SEED
    return params


def make_tasks(rng: np.random.Generator, settings: Settings, family: str | None = None,
               n: int | None = None) -> TaskSet:
    """n tasks drawn from rng; the first k are the same for any n >= k.

    family None: meta-training tasks (split TRAIN, rows of the meta-training pool), n
    defaulting to n_tasks - n_heldout. family a name of HELDOUT_FAMILIES: held-out tasks of
    that family (split HELDOUT, held-out rows), n defaulting to n_heldout. An analysis
    scores optimizers on 32 tasks of the "wide" family drawn with
    `make_tasks(np.random.default_rng(seed), settings, "wide", 32)`.
    """
    if n is None:
        n = settings.n_heldout if family is not None else settings.n_tasks - settings.n_heldout
    need(n >= 1, f"make_tasks needs n >= 1; got {n}")
    tasks, dataset = _draw(rng, settings, family, n)
    split = np.full(n, TRAIN if family is None else HELDOUT, dtype=np.int8)
    return _pack(tasks, split,
                 _params(settings, settings.heldout_family if family is None else family,
                         [dataset] * n))


def make_net_training(rng: np.random.Generator, s: Settings) -> TaskSet:
    """n_tasks - n_heldout meta-training tasks, then n_heldout tasks of s.heldout_family,
    each part from a generator of its own (more held-out tasks leave the others alone).
    n_heldout 0 (refused in a config) is fresh tasks for an analysis: all meta-training."""
    need(0 <= s.n_heldout < s.n_tasks, f"n_heldout must be in 0..{s.n_tasks - 1}; "
                                       f"got {s.n_heldout}")
    train_rng, heldout_rng = (np.random.default_rng(int(k))
                              for k in rng.integers(0, 2 ** 63, size=2))
    n_meta = s.n_tasks - s.n_heldout
    meta, meta_data = _draw(train_rng, s, None, n_meta)
    held, held_data = _draw(heldout_rng, s, s.heldout_family, s.n_heldout)
    split = np.array([TRAIN] * n_meta + [HELDOUT] * s.n_heldout, dtype=np.int8)
    return _pack(meta + held, split, _params(s, s.heldout_family,
                                             [meta_data] * n_meta + [held_data] * s.n_heldout))


# --- the kernel's arguments (kernels/mlp_train.py) -------------------------------------

def _spec(tasks: TaskSet) -> np.ndarray:
    if tasks.net_spec is None:
        raise ValueError("these tasks have no net_spec: not a net_training task set")
    return tasks.net_spec


def architecture(tasks: TaskSet) -> np.ndarray:
    """(T, 8) int64 the kernel's `arch`: n_hidden, width1, width2, width3, activation, loss,
    batch_size, n_steps."""
    return np.ascontiguousarray(_spec(tasks)[:, :8].astype(np.int64))


def loss_scales(tasks: TaskSet) -> np.ndarray:
    """(T,) float64 the factor each task's loss and gradients are multiplied by."""
    return np.ascontiguousarray(_spec(tasks)[:, COL["loss_scale"]], dtype=np.float64)


def n_train(tasks: TaskSet) -> np.ndarray:
    """(T,) int64 training rows of each task (rows n_train..n_patterns-1 are its test)."""
    return np.ascontiguousarray(_spec(tasks)[:, COL["n_train"]].astype(np.int64))


def layer_shapes(n_inputs: int, arch_row: np.ndarray, n_outputs: int) -> list[tuple[int, int]]:
    """[(out, in), ...] of a task's layers, the output layer last."""
    widths = [int(w) for w in arch_row[1:1 + int(arch_row[0])]] + [int(n_outputs)]
    return list(zip(widths, [int(n_inputs)] + widths[:-1]))


def initial_parameters(tasks: TaskSet) -> np.ndarray:
    """(T, Q) float64 each task's initial parameters, zero padded to the largest count Q.

    Per layer (hidden layers, then the output layer) W (out, in) row-major, drawn
    N(0, 1) * init_scale / sqrt(in) from default_rng([seed, 0]), then its biases, zero.
    """
    spec, arch = _spec(tasks), architecture(tasks)
    thetas = []
    for t in range(len(tasks)):
        rng = np.random.default_rng([int(spec[t, COL["seed"]]), 0])
        scale = spec[t, COL["init_scale"]]
        parts = []
        for out, fan_in in layer_shapes(tasks.n_inputs[t], arch[t], tasks.n_outputs[t]):
            parts += [(rng.normal(size=(out, fan_in)) * scale / math.sqrt(fan_in)).ravel(),
                      np.zeros(out)]
        thetas.append(np.concatenate(parts))
    theta0 = np.zeros((len(tasks), max((len(p) for p in thetas), default=1)))
    for t, p in enumerate(thetas):
        theta0[t, :len(p)] = p
    return theta0


def minibatches(tasks: TaskSet) -> np.ndarray:
    """(T, S, B) int64 the training rows of each step, zero padded to the most steps S and
    the largest batch B: permutations of range(n_train) from default_rng([seed, 1]),
    concatenated, cut into n_steps batches of batch_size."""
    spec, arch, n_tr = _spec(tasks), architecture(tasks), n_train(tasks)
    T = len(tasks)
    S = int(arch[:, 7].max(initial=1))
    B = int(arch[:, 6].max(initial=1))
    out = np.zeros((T, S, B), dtype=np.int64)
    for t in range(T):
        rng = np.random.default_rng([int(spec[t, COL["seed"]]), 1])
        b, steps, n = int(arch[t, 6]), int(arch[t, 7]), int(n_tr[t])
        need_rows = steps * b
        perms = [rng.permutation(n) for _ in range(-(-need_rows // n))]
        out[t, :steps, :b] = np.concatenate(perms)[:need_rows].reshape(steps, b)
    return out


# (inputs, outputs) of a task of each dataset at most (regression: 4..16 inputs).
DATASET_SHAPES = {"mnist1d": (40, N_CLASSES), "digits": (64, N_CLASSES), "regression": (16, 1)}


def size(s: Settings) -> tuple[int, int, str]:
    """TaskFamily.size: the meta-training and held-out tasks in one padded set."""
    held = HELDOUT_FAMILIES[s.heldout_family](s).dataset
    D = max(DATASET_SHAPES[s.dataset][0], DATASET_SHAPES[held][0])
    O = max(DATASET_SHAPES[s.dataset][1], DATASET_SHAPES[held][1])
    return s.n_tasks, padded_nbytes(s.n_tasks, s.n_train + s.n_test, D, O, net_spec=True), \
        "tasks.n_tasks"


FAMILY = TaskFamily(
    "net_training", Settings, frozenset({"net_training"}), make_net_training,
    "small MLPs on MNIST-1D, digits or synthetic regression, trained by the optimizer "
    "under test (learning to optimize)", size=size)
