"""Baselines on the very episodes an evolved rule is scored on, shaped as its accuracies.

Each returns (E, S + 1, G) accuracies like learners.episode_net.episode_accuracy: row 0
untrained (NaN where a method has no untrained prediction), row s + 1 after training
segments 0..s. Predictions are the argmax over each test group's allowed classes.

- 1-nearest-neighbour and nearest centroid (scikit-learn), on every training image seen
  so far: memory-based, so not online learners; the few-shot references.
- Online logistic regression: scikit-learn's SGDClassifier(log_loss), partial_fit once per
  segment (one pass over it, in stream order), at scikit-learn's default rate schedule and
  at the best constant rate. One-vs-rest: a small constant rate keeps every class's
  weights near the Hebbian start (gradient (t - 1/2) x) and forgets little.
- Online backprop: the episode's own net (same size, same initial weights, tanh hidden and
  sigmoid output units), one gradient step of the cross-entropy per training image.
- Joint training (continual only, the upper reference): logistic regression fitted to every
  task's training images at once, scored after the last segment only.
Learning rates are chosen on the run's training episodes, as the evolved rule was.
The bias column (the inputs' last) is left out for scikit-learn, which fits intercepts.
"""
from __future__ import annotations

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


def memory_baseline(tasks: TaskSet, method: str) -> np.ndarray:
    """'1nn' or 'centroid' on every training image seen so far. 1-NN in numpy: the
    accuracies scikit-learn's KNeighborsClassifier gives (tests/test_baselines.py), without
    a fit per episode (a minute of evaluate's time on 1000 episodes)."""
    import warnings
    from sklearn.neighbors import NearestCentroid
    out = _empty(tasks)
    for t in range(len(tasks)):
        segments, groups = parts(tasks, t)
        for s in range(len(segments)):
            x = np.vstack([seg[0] for seg in segments[:s + 1]])
            y = np.concatenate([seg[1] for seg in segments[:s + 1]])
            for g, (gx, gy, allowed) in enumerate(groups):
                keep = np.isin(y, allowed)
                if not keep.any():          # none of the group's classes seen yet
                    out[t, s + 1, g] = 0.0
                    continue
                if method == "1nn":
                    ref, q = x[keep].astype(np.float64), gx.astype(np.float64)
                    d = (q * q).sum(1)[:, None] - 2.0 * q @ ref.T + (ref * ref).sum(1)[None, :]
                    out[t, s + 1, g] = float(np.mean(y[keep][np.argmin(d, axis=1)] == gy))
                    continue
                model = NearestCentroid()
                with warnings.catch_warnings():
                    # NearestCentroid computes a within-class variance it does not use here
                    # (no shrinkage), which divides by 0 with one image per class.
                    warnings.simplefilter("ignore", RuntimeWarning)
                    warnings.simplefilter("ignore", UserWarning)
                    model.fit(x[keep], y[keep])
                out[t, s + 1, g] = float(np.mean(model.predict(gx) == gy))
    return out


def sgd_logistic(tasks: TaskSet, rate: float | None, seed: int = 0) -> np.ndarray:
    """Online logistic regression: SGDClassifier(log_loss), one partial_fit per segment, at a
    constant rate, or (rate None) at scikit-learn's default 'optimal' schedule."""
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    out = _empty(tasks)
    for t in range(len(tasks)):
        segments, groups = parts(tasks, t)
        O = int(tasks.n_outputs[t])
        schedule = ({"learning_rate": "optimal"} if rate is None
                    else {"learning_rate": "constant", "eta0": rate})
        model = SGDClassifier(loss="log_loss", alpha=1e-4, shuffle=False, random_state=seed,
                              **schedule)
        for s, (x, y) in enumerate(segments):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.partial_fit(x, y, classes=np.arange(O))
            for g, (gx, gy, allowed) in enumerate(groups):
                d = model.decision_function(gx)
                scores = np.stack([-d, d], axis=1) if d.ndim == 1 else d
                out[t, s + 1, g] = masked_accuracy(np.nan_to_num(scores, nan=-np.inf), gy, allowed)
    return out


def backprop_mlp(tasks: TaskSet, rate: float) -> np.ndarray:
    """The episode's own net trained online by backpropagation of the cross-entropy."""
    out = _empty(tasks)
    for t in range(len(tasks)):
        n_i, O = tasks.n_inputs[t], tasks.n_outputs[t]
        Wh = tasks.W0_hidden[t, :, :n_i].copy()
        Wo = tasks.W0[t, :O].copy()
        H = Wh.shape[0]
        X, Y = tasks.X[t, :, :n_i], tasks.Y[t, :, :O]
        gb = np.concatenate([tasks.segment_end[t, -1:], tasks.group_end[t]])

        def score(row):
            with np.errstate(all="ignore"):
                for g in range(len(gb) - 1):
                    a, b = gb[g], gb[g + 1]
                    z = np.tanh(X[a:b] @ Wh.T) @ Wo[:, :H].T - Wo[:, H]
                    out[t, row, g] = masked_accuracy(np.nan_to_num(z, nan=-np.inf),
                                                     np.argmax(Y[a:b], axis=1),
                                                     np.flatnonzero(tasks.group_mask[t, g]))

        score(0)
        start = 0
        with np.errstate(all="ignore"):
            for s, end in enumerate(tasks.segment_end[t]):
                for p in range(start, end):
                    x = X[p]
                    h = np.tanh(Wh @ x)
                    o = 1.0 / (1.0 + np.exp(-(Wo[:, :H] @ h - Wo[:, H])))
                    e = Y[p] - o                            # -dLoss/dz for cross-entropy
                    d_h = (Wo[:, :H].T @ e) * (1.0 - h * h)
                    Wo += rate * np.outer(e, np.append(h, -1.0))
                    Wh += rate * np.outer(d_h, x)
                start = end
                score(s + 1)
    return out


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


def best_rate(method, train: TaskSet, rates=RATES) -> float:
    """The rate in `rates` at which method(train, rate) scores best on the training episodes."""
    scores = [final_score(method(train, r)) for r in rates]
    return float(rates[int(np.nanargmax(scores))])
