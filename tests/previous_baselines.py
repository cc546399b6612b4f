"""The episode baselines as analysis/baselines.py had them before kernels/baselines.py, kept
as oracles: one scikit-learn fit (SGDClassifier, NearestCentroid) or NumPy loop (1-NN,
online backprop) per episode. tests/test_baseline_kernels.py checks the kernels against
them."""
import numpy as np

from evo_l2l.analysis import baselines as bl


def memory_baseline(tasks, method: str) -> np.ndarray:
    """'1nn' or 'centroid' on every training image seen so far. 1-NN in numpy: the
    accuracies scikit-learn's KNeighborsClassifier gives (tests/test_baselines.py), without
    a fit per episode (a minute of evaluate's time on 1000 episodes)."""
    import warnings
    from sklearn.neighbors import NearestCentroid
    out = bl._empty(tasks)
    for t in range(len(tasks)):
        segments, groups = bl.parts(tasks, t)
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


def sgd_logistic(tasks, rate: float | None, seed: int = 0) -> np.ndarray:
    """Online logistic regression: SGDClassifier(log_loss), one partial_fit per segment, at a
    constant rate, or (rate None) at scikit-learn's default 'optimal' schedule."""
    import warnings
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import SGDClassifier
    out = bl._empty(tasks)
    for t in range(len(tasks)):
        segments, groups = bl.parts(tasks, t)
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
                out[t, s + 1, g] = bl.masked_accuracy(np.nan_to_num(scores, nan=-np.inf), gy, allowed)
    return out


def backprop_mlp(tasks, rate: float, final: list | None = None) -> np.ndarray:
    """The episode's own net trained online by backpropagation of the cross-entropy; each
    episode's final (Wh, Wo) appended to `final` if given."""
    out = bl._empty(tasks)
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
                    out[t, row, g] = bl.masked_accuracy(np.nan_to_num(z, nan=-np.inf),
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
        if final is not None:
            final.append((Wh.copy(), Wo.copy()))
    return out
