"""Baselines on the very episodes an evolved rule is scored on, shaped as its accuracies.

Each returns (E, S + 1, G) accuracies like learners.episode_net.episode_accuracy: row 0
untrained (NaN where a method has no untrained prediction), row s + 1 after training
segments 0..s. Predictions are the argmax over each test group's allowed classes.

- 1-nearest-neighbour and nearest centroid, on every training image seen so far:
  memory-based, so not online learners; the few-shot references. The 1-NN's accuracies
  are scikit-learn's KNeighborsClassifier's (tests/test_baselines.py). The centroid's are
  scikit-learn's NearestCentroid's (Euclidean, uniform priors; tests/test_baseline_kernels.py)
  but where two class means are equally far from an image to rounding: the kernel sums
  squared differences feature by feature, scikit-learn computes |x|^2 - 2 x.c + |c|^2 with
  BLAS, so the nearer of the two can differ (1 image of 7500 on fewshot-digits' 100
  training episodes, distances 19.1568775 and 19.1568775 + 3.6e-15).
- Online logistic regression: scikit-learn's SGDClassifier(log_loss, alpha 1e-4,
  shuffle=False) given one partial_fit per segment (one pass over it, in stream order), at
  scikit-learn's default 'optimal' rate schedule and at the best constant rate. One-vs-rest:
  a small constant rate keeps every class's weights near the Hebbian start (gradient
  (t - 1/2) x) and forgets little. Run by a kernel (kernels/baselines.py) that repeats
  SGDClassifier's updates step for step: its weights are scikit-learn's to the bit.
- Online backprop: the episode's own net (same size, same initial weights, tanh hidden and
  sigmoid output units), one gradient step of the cross-entropy per training image, by a
  kernel: the same updates in the same order as the NumPy loop it replaced
  (tests/previous_baselines.py), its sums input by input where NumPy calls BLAS and its
  tanh and exp within about 2e-16 of NumPy's, so its weights agree to rounding (1e-12 at
  rates up to 0.5 in tests/test_baseline_kernels.py) and its accuracies are the same.
- Joint training (continual only, the upper reference): scikit-learn's LogisticRegression
  fitted to every task's training images at once, scored after the last segment only.
Learning rates are chosen on the run's training episodes, as the evolved rule was; the
kernels run every rate tried on every episode in one call.
The bias column (the inputs' last) is left out for the logistic regressions, which fit
intercepts, and for the memory-based baselines.

The 1-NN and the joint fit run with BLAS on one thread (_one_thread).
"""
from __future__ import annotations

import functools

import numpy as np

from ..tasks import TaskSet

RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def parts(tasks: TaskSet, t: int):
    """Episode t -> ([(x (n, I-1), labels)] segments, [(x, labels, allowed classes)] groups)."""
    n_i = tasks.n_inputs[t]
    X, y = tasks.X[t, :, :n_i - 1], np.argmax(tasks.Y[t], axis=1)
    bounds = np.concatenate([[0], tasks.segment_end[t]])
    segments = [(X[a:b], y[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    gb = np.concatenate([tasks.segment_end[t, -1:], tasks.group_end[t]])
    groups = [(X[a:b], y[a:b], np.flatnonzero(tasks.group_mask[t, g]))
              for g, (a, b) in enumerate(zip(gb[:-1], gb[1:]))]
    return segments, groups


def masked_accuracy(scores: np.ndarray, labels: np.ndarray, allowed: np.ndarray) -> float:
    """Accuracy of argmax over the allowed columns of scores (n, O) (first on ties)."""
    pred = allowed[np.argmax(scores[:, allowed], axis=1)]
    return float(np.mean(pred == labels))


def _empty(tasks: TaskSet) -> np.ndarray:
    return np.full((len(tasks), tasks.segment_end.shape[1] + 1, tasks.group_end.shape[1]),
                   np.nan)


def _one_thread(f):
    """f with BLAS and OpenMP on one thread: its products and fits are small, and threads
    mostly wait on each other on 2 cores shared with other work (joint_logistic on 4
    continual sequences: 0.3-0.4 s on one thread against 2.3-3.1 s on two, same results)."""
    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1):
            return f(*args, **kwargs)
    return wrapped


def _labels(tasks: TaskSet) -> np.ndarray:
    """(T, P) class of every row (the argmax of its one-hot target, as parts has it)."""
    return np.ascontiguousarray(np.argmax(tasks.Y, axis=2))


def _episode_arrays(tasks: TaskSet) -> tuple:
    """The arguments every baseline kernel takes after X: labels and the episodes' layout."""
    return (_labels(tasks), tasks.n_inputs, tasks.n_outputs, tasks.segment_end,
            tasks.group_end, np.ascontiguousarray(tasks.group_mask, dtype=np.float64))


@_one_thread
def memory_baseline(tasks: TaskSet, method: str) -> np.ndarray:
    """'1nn' or 'centroid' on every training image seen so far (of the group's classes).

    1-NN: one product of each episode's test rows with its training rows, each test group
    and segment the argmin over its own columns of it (the squared distances less nothing:
    |q|^2 - 2 q.r + |r|^2 as scikit-learn's euclidean_distances has them), the accuracies
    of scikit-learn's KNeighborsClassifier (tests/test_baselines.py). Nearest centroid: a
    kernel (kernels/baselines.nearest_centroid) with scikit-learn's NearestCentroid's
    means and predictions."""
    if method == "centroid":
        from ..kernels.baselines import nearest_centroid
        acc = _empty(tasks)[None]
        if len(tasks):
            nearest_centroid(tasks.X, *_episode_arrays(tasks), acc)
        return acc[0]
    if method != "1nn":
        raise ValueError(f"unknown memory baseline {method!r}; expected 1nn or centroid")
    out = _empty(tasks)
    for t in range(len(tasks)):
        n_i = tasks.n_inputs[t]
        X, y = tasks.X[t, :, :n_i - 1].astype(np.float64), np.argmax(tasks.Y[t], axis=1)
        n_train = tasks.segment_end[t, -1]
        ref, q = X[:n_train], X[n_train:tasks.group_end[t, -1]]
        product = q @ ref.T
        q2, r2 = (q * q).sum(1)[:, None], (ref * ref).sum(1)[None, :]
        gb = np.concatenate([[0], tasks.group_end[t] - n_train])
        for s, seen in enumerate(tasks.segment_end[t]):
            for g in range(len(gb) - 1):
                a, b = gb[g], gb[g + 1]
                keep = np.flatnonzero(np.isin(y[:seen], np.flatnonzero(tasks.group_mask[t, g])))
                if not keep.size:          # none of the group's classes seen yet
                    out[t, s + 1, g] = 0.0
                    continue
                d = q2[a:b] - 2.0 * product[a:b][:, keep] + r2[:, keep]
                out[t, s + 1, g] = float(np.mean(y[keep][np.argmin(d, axis=1)]
                                                 == y[n_train + a:n_train + b]))
    return out


def _rates(rates) -> np.ndarray:
    """Rates as the kernels take them: NaN for scikit-learn's 'optimal' schedule (None)."""
    return np.array([np.nan if r is None else float(r) for r in rates], dtype=np.float64)


SGD_ALPHA = 1e-4


def _no_weights() -> np.ndarray:
    return np.zeros((0, 0, 0, 0))


def sgd_logistic_rates(tasks: TaskSet, rates, weights: np.ndarray | None = None,
                       measure_all: bool = True) -> np.ndarray:
    """(R, E, S + 1, G) accuracies of sgd_logistic at each of `rates` (None: the 'optimal'
    schedule), every rate and episode in one kernel call. weights, if given, (R, E, O, I)
    zeros: gets each fit's final coef_ rows (one for two classes), intercept_ last.
    measure_all False: row S only (the others NaN)."""
    from ..kernels.baselines import sgd_logistic as kernel
    acc = np.repeat(_empty(tasks)[None], len(rates), axis=0)
    if len(tasks) and len(rates):
        # SGDClassifier's 'optimal' schedule starts at typw / max(1, -dloss(-typw)) = typw
        # (the log loss's dloss is above -1)
        typw = np.sqrt(1.0 / np.sqrt(SGD_ALPHA))
        optimal_init = 1.0 / (typw * SGD_ALPHA)
        kernel(tasks.X, *_episode_arrays(tasks), _rates(rates), SGD_ALPHA, optimal_init,
               measure_all, acc, _no_weights() if weights is None else weights)
    return acc


def sgd_logistic(tasks: TaskSet, rate: float | None) -> np.ndarray:
    """Online logistic regression: SGDClassifier(log_loss)'s updates, one partial_fit per
    segment, at a constant rate, or (rate None) at scikit-learn's default 'optimal'
    schedule."""
    return sgd_logistic_rates(tasks, [rate])[0]


@_one_thread
def backprop_mlp_rates(tasks: TaskSet, rates, weights: np.ndarray | None = None,
                       measure_all: bool = True) -> np.ndarray:
    """(R, E, S + 1, G) accuracies of backprop_mlp at each of `rates`, in one kernel call.
    weights, if given, (R, E, H + O, I + H + 1) zeros: gets the final Wh (rows :H, columns
    :I) and Wo (rows H:, columns I:) of each. measure_all False: row S only (the others
    NaN)."""
    from ..kernels.baselines import backprop_mlp as kernel
    acc = np.repeat(_empty(tasks)[None], len(rates), axis=0)
    if len(tasks) and len(rates):
        kernel(tasks.X, np.ascontiguousarray(tasks.Y, dtype=np.float64), _labels(tasks),
               np.ascontiguousarray(tasks.W0_hidden, dtype=np.float64),
               np.ascontiguousarray(tasks.W0, dtype=np.float64), *_episode_arrays(tasks)[1:],
               _rates(rates), measure_all, acc, _no_weights() if weights is None else weights)
    return acc


def backprop_mlp(tasks: TaskSet, rate: float) -> np.ndarray:
    """The episode's own net trained online by backpropagation of the cross-entropy."""
    return backprop_mlp_rates(tasks, [rate])[0]


@_one_thread
def joint_logistic(tasks: TaskSet) -> np.ndarray:
    """Logistic regression on every segment's training images at once; row S only."""
    from sklearn.linear_model import LogisticRegression
    out = _empty(tasks)
    for t in range(len(tasks)):
        segments, groups = parts(tasks, t)
        x = np.vstack([s[0] for s in segments]); y = np.concatenate([s[1] for s in segments])
        model = LogisticRegression(max_iter=2000).fit(x, y)
        O = int(tasks.n_outputs[t])
        for g, (gx, gy, allowed) in enumerate(groups):
            scores = np.full((len(gx), O), -np.inf)
            d = model.decision_function(gx)
            d = np.stack([-d, d], axis=1) if d.ndim == 1 else d
            scores[:, model.classes_] = d
            out[t, -1, g] = masked_accuracy(scores, gy, allowed)
    return out


def final_score(acc: np.ndarray) -> float:
    """What rates are tuned for: the mean of the last row (ACC, or query accuracy)."""
    return float(np.nanmean(acc[:, -1, :]))


# The methods best_rate runs at every rate in one call.
_AT_RATES = {sgd_logistic: sgd_logistic_rates, backprop_mlp: backprop_mlp_rates}


def best_rate(method, train: TaskSet, rates=RATES) -> float:
    """The rate in `rates` at which method(train, rate) scores best on the training episodes
    (the first on ties)."""
    at_rates = _AT_RATES.get(method)
    accs = (at_rates(train, rates, measure_all=False) if at_rates
            else [method(train, r) for r in rates])
    scores = [final_score(a) for a in accs]
    return float(rates[int(np.nanargmax(scores))])


def warm(tasks: TaskSet) -> None:
    """Compiles (or loads) the baselines' kernels on the first episode of an episode task
    set (`evo-l2l warmup`), so that a first `evaluate` does not compile them."""
    if tasks is None or getattr(tasks, "segment_end", None) is None or not len(tasks):
        return
    one = tasks.select(np.arange(1))
    memory_baseline(one, "centroid")
    sgd_logistic_rates(one, RATES[:1])
    backprop_mlp_rates(one, RATES[:1])
