"""TaskSet: a batch of padded tasks as plain arrays, the unit kernels consume."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

TRAIN, HELDOUT = 0, 1
SPLIT_NAMES = ("train", "heldout")
EPISODE_ARRAYS = ("segment_end", "group_end", "group_mask")   # optional, stored when present
# The columns of TaskSet.net_spec: hidden layers (1-3) and their widths (0 past the last),
# activation (0 tanh, 1 relu), loss (0 softmax cross-entropy, 1 squared error), minibatch
# size, steps, initial scale (weights ~ N(0, (scale / sqrt(fan in))^2), biases 0), the seed
# of the initial weights and the minibatches, training rows (the rest are test rows), and
# the factor the loss (so the gradient) is multiplied by.
NET_SPEC = ("n_hidden", "width1", "width2", "width3", "activation", "loss", "batch_size",
            "n_steps", "init_scale", "seed", "n_train", "loss_scale")


@dataclass
class TaskSet:
    """Tasks padded to common shapes (T tasks, P patterns, I inputs, O outputs).

    X (T, P, I) float64 inputs, bias column included; Y (T, P, O) float64
    targets; W0 (T, O, I) float64 initial weights; n_patterns, n_inputs,
    n_outputs (T,) int64 used sizes; split (T,) int8, TRAIN or HELDOUT.
    Padding is zero and is never read by the kernels.
    """

    X: np.ndarray
    Y: np.ndarray
    W0: np.ndarray
    n_patterns: np.ndarray
    n_inputs: np.ndarray
    n_outputs: np.ndarray
    split: np.ndarray
    family: str = ""
    params: dict = field(default_factory=dict)
    direction: np.ndarray | None = None   # (T, I) unit vector a task's weights should find (PCA tasks)
    W0_hidden: np.ndarray | None = None   # (T, H, I) initial hidden weights (two-layer nets)
    # Episodes (tasks/episodes.py): patterns [0, segment_end[t, -1]) are the training stream,
    # learned one segment after another; the rest, up to n_patterns, are test groups
    # (group_end (T, G) exclusive ends), each scored by argmax over its group_mask (T, G, O).
    segment_end: np.ndarray | None = None
    group_end: np.ndarray | None = None
    group_mask: np.ndarray | None = None
    # Nets trained by an optimizer (tasks/net_training.py): (T, len(NET_SPEC)) the net, loss,
    # minibatches and initialisation of each task, columns named by NET_SPEC.
    net_spec: np.ndarray | None = None

    def __post_init__(self) -> None:
        self.X = np.ascontiguousarray(self.X, dtype=np.float64)
        self.Y = np.ascontiguousarray(self.Y, dtype=np.float64)
        self.W0 = np.ascontiguousarray(self.W0, dtype=np.float64)
        for name in ("n_patterns", "n_inputs", "n_outputs"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.int64))
        self.split = np.ascontiguousarray(self.split, dtype=np.int8)
        T = self.X.shape[0]
        if self.direction is not None:
            self.direction = np.ascontiguousarray(self.direction, dtype=np.float64)
            if self.direction.shape != (T, self.X.shape[2]):
                raise ValueError("task directions must have shape (T, I)")
        if self.W0_hidden is not None:
            self.W0_hidden = np.ascontiguousarray(self.W0_hidden, dtype=np.float64)
            if self.W0_hidden.ndim != 3 or self.W0_hidden.shape[0] != T \
                    or self.W0_hidden.shape[2] != self.X.shape[2]:
                raise ValueError("hidden initial weights must have shape (T, H, I)")
        # Two-layer tasks keep the output layer's weights in W0 (T, O, H + 1) (O = 1 but for
        # episodes, whose nets have one output unit per class).
        n_out = self.Y.shape[2] if self.segment_end is not None else 1
        w0_shape = ((T, n_out, self.W0_hidden.shape[1] + 1) if self.W0_hidden is not None
                    else (T, self.Y.shape[2], self.X.shape[2]))
        self._check_episodes(T)
        if self.net_spec is not None:
            self.net_spec = np.ascontiguousarray(self.net_spec, dtype=np.float64)
            if self.net_spec.shape == (T, len(NET_SPEC) - 1):
                # archives written before tasks had a loss scale: their losses were unscaled
                self.net_spec = np.column_stack([self.net_spec, np.ones(T)])
            if self.net_spec.shape != (T, len(NET_SPEC)):
                raise ValueError(f"net_spec must have shape (T, {len(NET_SPEC)})")
        ok = (self.X.ndim == 3 and self.Y.ndim == 3 and self.W0.ndim == 3
              and self.Y.shape[:2] == self.X.shape[:2]
              and self.W0.shape == w0_shape
              and all(a.shape == (T,) for a in (self.n_patterns, self.n_inputs,
                                                 self.n_outputs, self.split)))
        if not ok:
            raise ValueError("task arrays have inconsistent shapes")
        if T and (self.n_patterns.min() < 1 or self.n_patterns.max() > self.X.shape[1]
                  or self.n_inputs.min() < 1 or self.n_inputs.max() > self.X.shape[2]
                  or self.n_outputs.min() < 1 or self.n_outputs.max() > self.Y.shape[2]):
            raise ValueError("task sizes exceed the padded arrays")

    def _check_episodes(self, T: int) -> None:
        parts = (self.segment_end, self.group_end, self.group_mask)
        if all(p is None for p in parts):
            return
        if any(p is None for p in parts):
            raise ValueError("episodes need segment_end, group_end and group_mask together")
        self.segment_end = np.ascontiguousarray(self.segment_end, dtype=np.int64)
        self.group_end = np.ascontiguousarray(self.group_end, dtype=np.int64)
        self.group_mask = np.ascontiguousarray(self.group_mask, dtype=np.float64)
        se, ge, T_ = self.segment_end, self.group_end, T
        ok = (se.ndim == 2 and ge.ndim == 2 and se.shape[0] == T_ and ge.shape[0] == T_
              and se.shape[1] >= 1 and ge.shape[1] >= 1
              and self.group_mask.shape == (T_, ge.shape[1], self.Y.shape[2]))
        if ok and T_:
            # 0 < segment ends < group ends = n_patterns at the last, strictly increasing:
            # no segment or group is empty.
            bounds = np.concatenate([np.zeros((T_, 1), np.int64), se, ge], axis=1)
            ok = bool(np.all(np.diff(bounds, axis=1) >= 1)
                      and np.all(ge[:, -1] == self.n_patterns))
        if not ok:
            raise ValueError("episode bounds are inconsistent with the patterns")

    def __len__(self) -> int:
        return self.X.shape[0]

    def select(self, which: str | np.ndarray) -> "TaskSet":
        """Subset by split name ('train', 'heldout', 'all') or index/mask array."""
        if isinstance(which, str):
            if which == "all":
                idx = np.arange(len(self))
            elif which in SPLIT_NAMES:
                idx = np.flatnonzero(self.split == SPLIT_NAMES.index(which))
            else:
                raise ValueError(f"unknown task split {which!r}; expected train, heldout or all")
        else:
            idx = np.asarray(which)
        return TaskSet(self.X[idx], self.Y[idx], self.W0[idx], self.n_patterns[idx],
                       self.n_inputs[idx], self.n_outputs[idx], self.split[idx],
                       self.family, dict(self.params),
                       None if self.direction is None else self.direction[idx],
                       None if self.W0_hidden is None else self.W0_hidden[idx],
                       *(None if a is None else a[idx]
                         for a in (self.segment_end, self.group_end, self.group_mask,
                                   self.net_spec)))

    def synapse_updates_per_epoch(self) -> int:
        """Synaptic updates one rule makes in one epoch over all tasks."""
        return int(np.sum(self.n_patterns * self.n_inputs * self.n_outputs))

    def arrays(self) -> dict[str, np.ndarray]:
        out = {"X": self.X, "Y": self.Y, "W0": self.W0, "n_patterns": self.n_patterns,
               "n_inputs": self.n_inputs, "n_outputs": self.n_outputs, "split": self.split}
        if self.direction is not None:
            out["direction"] = self.direction
        if self.W0_hidden is not None:
            out["W0_hidden"] = self.W0_hidden
        for name in EPISODE_ARRAYS + ("net_spec",):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def padded_nbytes(T: int, P: int, I: int, O: int, w0: int | None = None, hidden: int = 0,
                  segments: int = 0, groups: int = 0, net_spec: bool = False,
                  direction: bool = False) -> int:
    """Bytes of the arrays of a TaskSet of T tasks padded to P patterns, I inputs and O
    outputs: w0 initial output weights a task (default O * I), hidden units (W0_hidden),
    episode segments and test groups, net_spec and direction rows."""
    w0 = O * I if w0 is None else w0
    per = (P * I + P * O + w0 + hidden * I + segments + groups * (1 + O)
           + (len(NET_SPEC) if net_spec else 0) + (I if direction else 0))
    return int(T) * (8 * int(per) + 3 * 8 + 1)


def shapes_size(shapes, bias_input: bool = False, direction: bool = False) -> tuple[int, int, str]:
    """TaskFamily.size of the families set by [count, patterns, inputs] shapes."""
    T = sum(int(s[0]) for s in shapes)
    P = max(int(s[1]) for s in shapes)
    I = max(int(s[2]) for s in shapes) + (1 if bias_input else 0)
    return T, padded_nbytes(T, P, I, 1, direction=direction), "tasks.shapes"


def expand_shapes(shapes, n_heldout: int) -> list[tuple[int, int]]:
    """[(count, patterns, inputs), ...] -> one (patterns, inputs) per task; checks n_heldout."""
    specs = [(p, n) for count, p, n in shapes for _ in range(count)]
    if not specs:
        raise ValueError("the environment needs at least one task")
    if not 0 <= n_heldout < len(specs):
        raise ValueError(f"n_heldout must be in 0..{len(specs) - 1}")
    return specs


def random_split(rng: np.random.Generator, n_tasks: int, n_heldout: int) -> np.ndarray:
    """(T,) int8: n_heldout tasks chosen at random are HELDOUT, the rest TRAIN."""
    split = np.full(n_tasks, TRAIN, dtype=np.int8)
    split[rng.choice(n_tasks, size=n_heldout, replace=False)] = HELDOUT
    return split
