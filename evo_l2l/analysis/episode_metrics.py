"""Few-shot and continual-learning metrics as the two fields define them.

Few-shot: the mean query accuracy over held-out episodes with a 95% confidence interval,
1.96 standard errors (the convention since Vinyals et al. 2016; >= 1000 episodes).

Continual (Lopez-Paz & Ranzato 2017, GEM, `metrics/metrics.py` of
facebookresearch/GradientEpisodicMemory): R[i, j] is the test accuracy on task j after
learning tasks 0..i, b[j] that of the untrained net; with T tasks
    ACC = mean_j R[T-1, j]
    BWT = mean_{j < T-1} (R[T-1, j] - R[j, j])
    FWT = mean_{j >= 1} (R[j-1, j] - b[j])
and average forgetting (Chaudhry et al. 2018, RWalk):
    F = mean_{j < T-1} (max_{l < T-1} R[l, j] - R[T-1, j]).
Every function takes accuracy arrays shaped (..., S + 1, G) as the episode learner and
the baselines return them: row 0 is b, rows 1.. are R.
"""
from __future__ import annotations

import numpy as np

Z95 = 1.96


def mean_ci95(values) -> tuple[float, float]:
    """(mean, half-width of the 95% normal interval: 1.96 * std / sqrt(n)); 0 width for n = 1."""
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("no values")
    half = Z95 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
    return float(v.mean()), float(half)


def continual_metrics(acc: np.ndarray) -> dict[str, np.ndarray]:
    """(..., T + 1, T) accuracies (row 0 untrained, row i + 1 after task i) ->
    {'ACC', 'BWT', 'FWT', 'forgetting'}, each (...) per sequence."""
    acc = np.asarray(acc, dtype=np.float64)
    T = acc.shape[-1]
    if acc.shape[-2] != T + 1 or T < 2:
        raise ValueError(f"continual metrics need (..., T + 1, T) accuracies with T >= 2; got "
                         f"{acc.shape}")
    b, R = acc[..., 0, :], acc[..., 1:, :]
    last = R[..., T - 1, :]
    diag = np.diagonal(R, axis1=-2, axis2=-1)
    above = np.stack([R[..., j - 1, j] for j in range(1, T)], axis=-1)
    best_before = R[..., :T - 1, :T - 1].max(axis=-2)
    return {"ACC": last.mean(axis=-1),
            "BWT": (last[..., :T - 1] - diag[..., :T - 1]).mean(axis=-1),
            "FWT": (above - b[..., 1:]).mean(axis=-1),
            "forgetting": (best_before - last[..., :T - 1]).mean(axis=-1)}


def fewshot_summary(acc: np.ndarray) -> dict:
    """(E, 2, 1) accuracies of E episodes -> query accuracy mean and 95% CI half-width."""
    acc = np.asarray(acc, dtype=np.float64)
    mean, half = mean_ci95(acc[:, -1, :].mean(axis=-1))
    return {"accuracy": mean, "ci95": half, "n_episodes": int(acc.shape[0])}


def continual_summary(acc: np.ndarray) -> dict:
    """(E, T + 1, T) accuracies of E sequences -> each metric's mean and 95% CI half-width
    over the sequences, and the mean R matrix and b."""
    per = continual_metrics(acc)
    out = {"n_sequences": int(acc.shape[0])}
    for name, values in per.items():
        finite = values[np.isfinite(values)]
        out[name], out[f"{name}_ci95"] = mean_ci95(finite) if finite.size else (np.nan, np.nan)
    out["R"] = acc[:, 1:, :].mean(axis=0).tolist()
    out["b"] = acc[:, 0, :].mean(axis=0).tolist()
    return out


def summary(acc: np.ndarray) -> dict:
    """Few-shot summary for one segment and one group, continual for one group per segment;
    a row-S-only array (the joint-training reference) gives its final accuracy alone."""
    acc = np.asarray(acc, dtype=np.float64)
    S, G = acc.shape[-2] - 1, acc.shape[-1]
    if S == 1 and G == 1:
        return {"kind": "fewshot", **fewshot_summary(acc)}
    if np.isnan(acc[:, :-1]).all():
        mean, half = mean_ci95(acc[:, -1, :].mean(axis=-1))
        return {"kind": "final", "ACC": mean, "ACC_ci95": half, "n_sequences": int(acc.shape[0])}
    if S == G:
        return {"kind": "continual", **continual_summary(acc)}
    raise ValueError(f"no summary for {S} segments and {G} test groups")
