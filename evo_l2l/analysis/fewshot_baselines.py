"""The field's strong simple few-shot baselines, on the very episodes a learner is scored on.

A learned rule means little until it beats what needs no learning to learn: 1-NN on pixels,
SimpleShot (Wang et al. 2019: centre by the background mean, L2-normalise, nearest class
centroid by cosine), the same after PCA, LDA or a blur, and logistic regression on each
episode's support. Every baseline follows the same protocol as the learner:

- features are fitted on the BACKGROUND classes' rows only (means, PCA, LDA);
- its one knob is chosen on VALIDATION episodes (best mean accuracy, first on ties);
- it is scored on EVALUATION episodes, returning per-episode accuracies (E,) float64.

`protocol_episodes` draws both sets from independent children of one seed, so a learner
scored elsewhere from that seed sees the same episodes, and `paired_difference` compares
them episode by episode: the pairing removes the episodes' shared difficulty, so its
interval is much narrower than that of two separate means.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from ..tasks.class_data import ClassData, Episodes, draw_episodes
from .episode_metrics import mean_ci95

# PCA before LDA: scikit-learn's LDA on 14400 raw 784-pixel rows took 7 s (eigen solver,
# shrinkage="auto": it estimates a Ledoit-Wolf covariance for each of the 720 classes) to
# 34 s (svd solver), against 0.5 s for the svd solver on 256 PCA dimensions. 14400 rows
# leave far more within-class degrees of freedom than 256 dimensions, so no shrinkage is
# needed there, and PCA drops the constant pixels that would make the within-class
# covariance singular.
LDA_PCA_DIMS = 256
# Float64 entries per chunk of episodes in the batched scorers (8 MB): 2000 20-way episodes
# with 15 queries on 784 dimensions would need 4 GB at once, and 128 MB chunks ran about
# 1.5 times slower than these, which stay nearer the cache.
_CHUNK = 1 << 20

BASELINES = {
    "pixel_1nn": ("Euclidean 1-nearest-neighbour on raw features", (None,)),
    "cosine_centroid": ("SimpleShot: minus background mean, L2-normalised, nearest centroid "
                        "by cosine", (None,)),
    "pca_centroid": ("PCA (background) to k dims, then SimpleShot", (16, 32, 64, 128, 256)),
    "lda_centroid": ("LDA (background classes, on 256 PCA dims) to k dims, then SimpleShot",
                     (16, 32, 64, 128, 256)),
    "blur_centroid": ("Gaussian blur (sigma) of each image, then SimpleShot", (0.5, 1, 1.5, 2)),
    "logistic_support": ("logistic regression (C) on each episode's support, SimpleShot "
                         "features", (0.1, 1.0, 10.0, 100.0)),
}


@dataclass(frozen=True)
class Transform:
    """A fitted feature map: raw rows (m, d) -> features (m, k) float64.

    x -> blur (sigma, each image of `shape`) -> x - mean -> x @ basis -> L2-normalised, each
    step skipped where its field is None / False. Every baseline's features have this one
    form; `knob` is the knob value it was fitted with (logistic regression's C is read here).
    For linear features, x - mean before the projection is SimpleShot's centring by the
    background mean in the projected space (the projection of the mean is that mean).
    """

    knob: object = None
    mean: np.ndarray | None = None
    basis: np.ndarray | None = None
    normalise: bool = False
    sigma: float | None = None
    shape: tuple | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        if self.sigma is not None:
            x = _blur(x, self.shape, self.sigma)
        if self.mean is not None:
            x = x - self.mean
        if self.basis is not None:
            x = x @ self.basis
        return _unit(x) if self.normalise else x


def _unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit L2 norm (a zero row stays zero rather than becoming NaN)."""
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return x / np.maximum(norm, np.finfo(np.float64).tiny)


def _blur(x: np.ndarray, shape: tuple, sigma: float) -> np.ndarray:
    from scipy.ndimage import gaussian_filter
    # sigma 0 on the stacking axis: each image is blurred on its own, all in one call.
    images = x.reshape((len(x),) + tuple(shape))
    return gaussian_filter(images, sigma=(0.0, sigma, sigma)).reshape(len(x), -1)


def _one_thread(f):
    """f with BLAS and OpenMP on one thread. Its work is many small products or fits (one
    per episode), whose threads mostly wait on each other: on 2 cores shared with other
    work, 2 threads against one took 10-18 s against 3 s to score 2000 20-way episodes,
    15-90 ms against 3 ms per 20-way logistic fit, 15-23 s against 2.4 s for the LDA."""
    @functools.wraps(f)
    def wrapped(*args, **kwargs):
        from threadpoolctl import threadpool_limits
        with threadpool_limits(limits=1):
            return f(*args, **kwargs)
    return wrapped


_MEMO: dict = {}


def _memo(kind: str, data: ClassData, rows: np.ndarray, compute: Callable):
    """The last `kind` result, reused while data and rows are the same: run_baselines fits
    once per knob value, and a PCA or LDA basis does not depend on the knob (the knob only
    keeps its first k columns)."""
    hit = _MEMO.get(kind)
    if hit is not None and hit[0] is data and np.array_equal(hit[1], rows):
        return hit[2]
    value = compute()
    _MEMO[kind] = (data, np.array(rows, copy=True), value)
    return value


def _pca(data: ClassData, rows: np.ndarray):
    """(mean (d,), principal axes (d, r) by decreasing variance) of the rows. An eigh of the
    d x d scatter: exact and deterministic, and fast while rows >> d."""
    @_one_thread
    def compute():
        x = data.flat()[rows].astype(np.float64)
        mean = x.mean(axis=0)
        w, v = np.linalg.eigh((x - mean).T @ (x - mean))
        keep = min(x.shape[1], len(rows) - 1)
        return mean, v[:, np.argsort(w)[::-1][:keep]]
    return _memo("pca", data, rows, compute)


def _lda(data: ClassData, rows: np.ndarray):
    """(mean (d,), discriminant axes (d, r) by decreasing discriminative power)."""
    @_one_thread
    def compute():
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        mean, axes = _pca(data, rows)
        axes = axes[:, :LDA_PCA_DIMS]
        z = (data.flat()[rows].astype(np.float64) - mean) @ axes
        lda = LinearDiscriminantAnalysis(solver="svd").fit(z, data.label[rows])
        return mean, axes @ lda.scalings_
    return _memo("lda", data, rows, compute)


def fit_pixel(data, rows, knob=None) -> Transform:
    return Transform()


def fit_cosine(data, rows, knob=None) -> Transform:
    return Transform(knob, data.flat()[rows].astype(np.float64).mean(axis=0), normalise=True)


def fit_pca(data, rows, k) -> Transform:
    mean, axes = _pca(data, rows)
    return Transform(k, mean, axes[:, :k], normalise=True)


def fit_lda(data, rows, k) -> Transform:
    mean, axes = _lda(data, rows)
    return Transform(k, mean, axes[:, :k], normalise=True)


def fit_blur(data, rows, sigma) -> Transform:
    if not data.is_image:
        raise ValueError("blur_centroid needs images; these data are vectors")
    shape = data.x.shape[1:]
    mean = _blur(data.flat()[rows].astype(np.float64), shape, sigma).mean(axis=0)
    return Transform(sigma, mean, None, True, sigma, shape)


def fit_logistic(data, rows, c) -> Transform:
    return replace(fit_cosine(data, rows), knob=c)


def _episode_features(transform, features, episodes: Episodes):
    """(features of the rows the episodes use, support and query positions into them): each
    row is transformed once however many episodes draw it."""
    s, q = episodes.support, episodes.query
    used, inverse = np.unique(np.concatenate([s.ravel(), q.ravel()]), return_inverse=True)
    z = transform(features[used])
    return z, inverse[:s.size].reshape(s.shape), inverse[s.size:].reshape(q.shape)


def _chunks(episodes: Episodes, width: int):
    per = episodes.support.shape[1] + episodes.query.shape[1]
    step = max(1, _CHUNK // max(1, per * width))
    for a in range(0, len(episodes), step):
        yield slice(a, a + step)


@_one_thread
def nn_accuracy(transform, features, episodes: Episodes) -> np.ndarray:
    """(E,) accuracy of Euclidean 1-nearest-neighbour among each episode's support rows."""
    z, s, q = _episode_features(transform, features, episodes)
    out = np.empty(len(episodes))
    for sl in _chunks(episodes, z.shape[1]):
        zs, zq = z[s[sl]], z[q[sl]]
        # |q - s|^2 less |q|^2, which is the same for every support row of a query
        d2 = np.sum(zs * zs, axis=2)[:, None, :] - 2.0 * (zq @ zs.transpose(0, 2, 1))
        pred = np.take_along_axis(episodes.support_label[sl], np.argmin(d2, axis=2), axis=1)
        out[sl] = np.mean(pred == episodes.query_label[sl], axis=1)
    return out


@_one_thread
def centroid_accuracy(transform, features, episodes: Episodes) -> np.ndarray:
    """(E,) accuracy of the nearest class centroid: the mean of the class's support features,
    renormalised, scored by dot product (the cosine, as the transform normalises)."""
    z, s, q = _episode_features(transform, features, episodes)
    n = episodes.n_way
    out = np.empty(len(episodes))
    for sl in _chunks(episodes, z.shape[1]):
        onehot = (episodes.support_label[sl, None, :] == np.arange(n)[:, None]).astype(float)
        # class sums: the renormalisation makes dividing by the class size redundant
        centroids = _unit(onehot @ z[s[sl]])
        pred = np.argmax(z[q[sl]] @ centroids.transpose(0, 2, 1), axis=2)
        out[sl] = np.mean(pred == episodes.query_label[sl], axis=1)
    return out


@_one_thread
def logistic_accuracy(transform, features, episodes: Episodes) -> np.ndarray:
    """(E,) accuracy of multinomial L2 logistic regression (C = transform.knob) fitted on each
    episode's support, in coordinates of the support's span (an orthonormal basis by QR):
    the L2-penalised optimum's weights lie in that span and the penalty is rotation
    invariant, so the optimum is that on all k features, while lbfgs runs on at most N*K
    coordinates instead of k. The tight tolerance costs little there and makes the
    predictions the optimum's rather than the optimiser's stopping point.
    """
    from sklearn.linear_model import LogisticRegression
    z, s, q = _episode_features(transform, features, episodes)
    out = np.empty(len(episodes))
    for sl in _chunks(episodes, z.shape[1]):
        basis, r = np.linalg.qr(z[s[sl]].transpose(0, 2, 1))  # (e, k, NK), (e, NK, NK)
        for i, e in enumerate(range(len(episodes))[sl]):
            model = LogisticRegression(C=transform.knob, tol=1e-8, max_iter=10000)
            model.fit(r[i].T, episodes.support_label[e])
            pred = model.predict(z[q[e]] @ basis[i])
            out[e] = np.mean(pred == episodes.query_label[e])
    return out


@dataclass(frozen=True)
class Method:
    """fit(data, background_rows, knob) -> Transform; accuracy(transform, features,
    episodes) -> (E,); cap(data, background_rows) -> the largest usable knob, or None."""

    fit: Callable
    accuracy: Callable
    cap: Callable | None = None


def _pca_cap(data, rows):       # a PCA of n rows in d dimensions has min(d, n - 1) axes
    return min(int(np.prod(data.x.shape[1:])), len(rows) - 1)


def _lda_cap(data, rows):       # an LDA of C classes has at most C - 1 axes
    return min(len(np.unique(data.label[rows])) - 1, LDA_PCA_DIMS, _pca_cap(data, rows))


METHODS = {
    "pixel_1nn": Method(fit_pixel, nn_accuracy),
    "cosine_centroid": Method(fit_cosine, centroid_accuracy),
    "pca_centroid": Method(fit_pca, centroid_accuracy, _pca_cap),
    "lda_centroid": Method(fit_lda, centroid_accuracy, _lda_cap),
    "blur_centroid": Method(fit_blur, centroid_accuracy),
    "logistic_support": Method(fit_logistic, logistic_accuracy),
}


def knob_values(name: str, data: ClassData, background_rows: np.ndarray) -> tuple:
    """The knob values tried for `name` on these data: BASELINES' values, capped (a dimension
    count at most the data allow; repeats after capping dropped)."""
    values, cap = BASELINES[name][1], METHODS[name].cap
    if cap is None:
        return tuple(values)
    top = cap(data, background_rows)
    return tuple(dict.fromkeys(min(v, top) for v in values))


def background_rows(data: ClassData, splits: dict) -> np.ndarray:
    """Row indices of the background classes: all that any baseline's features see."""
    return np.flatnonzero(np.isin(data.label, splits["background"]))


def protocol_episodes(data: ClassData, splits: dict, n_way: int, k_shot: int, n_query: int,
                      n_validation: int, n_evaluation: int, seed: int):
    """(validation Episodes, evaluation Episodes), each from its own child of
    SeedSequence(seed): the evaluation episodes are those of any n_validation, and a learner
    scored elsewhere from the same seed sees the same episodes."""
    val_seq, eval_seq = np.random.SeedSequence(seed).spawn(2)
    validation = draw_episodes(np.random.default_rng(val_seq), data, splits["validation"],
                               n_way, k_shot, n_query, n_validation)
    evaluation = draw_episodes(np.random.default_rng(eval_seq), data, splits["evaluation"],
                               n_way, k_shot, n_query, n_evaluation)
    return validation, evaluation


# (mean, 95% half-width 1.96 * sd / sqrt(n), sd with ddof=1; 0 for one episode)
mean_ci = mean_ci95


def paired_difference(a, b) -> tuple[float, float]:
    """(mean, 95% half-width) of a - b episode by episode (a and b on the same episodes)."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"paired accuracies need the same episodes: shapes {a.shape} "
                         f"and {b.shape}")
    return mean_ci95(a - b)


def tune_and_score(name: str, data: ClassData, rows: np.ndarray, own: np.ndarray,
                   validation: Episodes, features: np.ndarray, evaluation: Episodes) -> tuple:
    """One baseline: fitted on `rows` of data for every knob, the knob with the best mean
    on data's validation episodes (rows of `own` = data.flat(); first on ties), then
    scored on `evaluation` episodes whose rows index `features` (data's own, or another
    data set's of the same width). Returns (knob, {knob: validation mean}, (E,) evaluation
    accuracies)."""
    method = METHODS[name]
    fitted, by_knob = {}, {}
    for knob in knob_values(name, data, rows):
        fitted[knob] = method.fit(data, rows, knob)
        by_knob[knob] = float(np.mean(method.accuracy(fitted[knob], own, validation)))
    knob = max(by_knob, key=by_knob.get)
    return knob, by_knob, method.accuracy(fitted[knob], features, evaluation)


def run_baselines(data: ClassData, splits: dict, n_way: int, k_shot: int, n_query: int,
                  n_validation: int, n_evaluation: int, seed: int, names=None) -> list[dict]:
    """Each baseline (all that apply to the data by default) fitted, tuned and scored.

    Returns one dict per baseline: name, description, knob (chosen), validation_mean (at
    that knob), validation_by_knob {knob: mean}, evaluation (E,) per-episode accuracies,
    mean, ci95 (half-width) and baseline: True for the one with the best validation mean
    (first on ties), the one to beat.
    """
    unknown = [n for n in names or () if n not in BASELINES]
    if unknown:
        raise ValueError(f"unknown baselines {unknown}; known: {', '.join(BASELINES)}")
    if names is None:
        names = [n for n in BASELINES if data.is_image or n != "blur_centroid"]
    validation, evaluation = protocol_episodes(data, splits, n_way, k_shot, n_query,
                                               n_validation, n_evaluation, seed)
    features, rows = data.flat(), background_rows(data, splits)
    results = []
    for name in names:
        knob, by_knob, acc = tune_and_score(name, data, rows, features, validation, features,
                                            evaluation)
        mean, half = mean_ci(acc)
        results.append({"name": name, "description": BASELINES[name][0], "knob": knob,
                        "validation_mean": by_knob[knob], "validation_by_knob": by_knob,
                        "evaluation": acc, "mean": mean, "ci95": half, "baseline": False})
    if results:
        max(results, key=lambda r: r["validation_mean"])["baseline"] = True
    return results


def format_table(rows: list[dict], learner=None) -> str:
    """Text table of run_baselines' rows in percent: method, knob, validation mean,
    evaluation mean +- 95% CI, and with a learner's per-episode evaluation accuracies the
    paired difference learner - method +- 95% CI; a last line names the baseline."""
    def knob(v):
        return "-" if v is None else f"{v:g}" if isinstance(v, (int, float)) else str(v)
    head = f"{'method':<18} {'knob':>6} {'val %':>7} {'eval % +- 95% CI':>18}"
    if learner is not None:
        head += f" {'learner - method':>18}"
    lines = [head, "-" * len(head)]
    if learner is not None:
        m, h = mean_ci(learner)
        lines.append(f"{'learner':<18} {'':>6} {'':>7} {100 * m:>10.2f} +- {100 * h:<5.2f}")
    for r in rows:
        line = (f"{r['name']:<18} {knob(r['knob']):>6} {100 * r['validation_mean']:>7.2f} "
                f"{100 * r['mean']:>10.2f} +- {100 * r['ci95']:<5.2f}")
        if learner is not None:
            m, h = paired_difference(learner, r["evaluation"])
            line += f" {100 * m:>+10.2f} +- {100 * h:<5.2f}"
        lines.append(line)
    best = [r for r in rows if r["baseline"]]
    if best:
        lines.append(f"baseline (best validation mean): {best[0]['name']} "
                     f"(knob {knob(best[0]['knob'])})")
    return "\n".join(line.rstrip() for line in lines)
