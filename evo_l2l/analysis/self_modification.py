"""How learners that modify themselves move during a lifetime.

- SRWM runs (learners/srwm.py): query accuracy after each support position (0: before the
  support set), with and without self-modification, and how far each block of W (y, q, k,
  beta; summed over heads) has moved from the initial W after each position, relative to
  its initial norm (traced with the NumPy step of learners/srwm.py, on a few episodes).
- Meta-plastic runs (rules/metaplastic.py): the rule's coefficients before training and
  after each task of the sequence (mean over episodes), those that move most, and the
  accuracy on the tasks learned so far.
"""
from __future__ import annotations

import numpy as np

from ..rules.family import RuleFamily

N_TRACE_EPISODES = 50


def applies(problem) -> bool:
    """Whether the run's rule family rewrites its own learning machinery as it learns
    (an SRWM's initial matrix, a metaplastic rule): a family that says so."""
    family = problem.config.component("rule")
    return isinstance(family, RuleFamily) and family.self_modifying


def srwm_movement(W0: np.ndarray, tasks, n: int = N_TRACE_EPISODES,
                  mode: str = "full") -> np.ndarray:
    """(N_COEF,) initial W -> (L + 1, 4) mean over the first n episodes of
    |W_l - W_0| / |W_0| per block (y, q, k, beta) after support position l."""
    from ..learners.srwm import embed, srwm_step_numpy
    from ..rules import srwm as fam
    a = embed(tasks.select(np.arange(min(n, len(tasks)))))
    L = int(a["n_support"].max())
    out = np.zeros((len(a["Z"]), L + 1, len(fam.BLOCKS)))
    start = fam.heads(W0)
    norms = np.array([np.linalg.norm(start[:, fam.block_rows(b)]) for b in fam.BLOCKS])
    for t in range(len(a["Z"])):
        W = start.copy()
        for p in range(L):
            if p < a["n_support"][t]:
                W = np.stack([srwm_step_numpy(W[h], a["Z"][t, p], mode)[0]
                              for h in range(fam.N_HEADS)])
            out[t, p + 1] = [np.linalg.norm((W - start)[:, fam.block_rows(b)])
                             for b in fam.BLOCKS]
    return out.mean(axis=0) / np.where(norms > 0, norms, 1.0)


def srwm_summary(problem, rule, split: str = "heldout") -> dict:
    from ..learners.srwm import run_episodes
    from ..rules import srwm as fam
    tasks = problem.splits[split]
    W0 = np.asarray(rule, dtype=np.float64)
    per_position = {mode: run_episodes(W0[None], tasks, mode)[0][0].mean(axis=0).tolist()
                    for mode in ("full", "none")}
    movement = srwm_movement(W0, tasks)
    return {"kind": "srwm", "split": split, "episodes": len(tasks),
            "accuracy_per_position": per_position,
            "movement_per_position": {b: movement[:, i].tolist()
                                      for i, b in enumerate(fam.BLOCKS)}}


def metaplastic_summary(problem, rule, split: str = "heldout", top: int = 6) -> dict:
    from ..learners.episode_net import metaplastic_accuracy, seen_so_far
    from ..rules import metaplastic as fam
    tasks = problem.splits[split]
    s = problem.config.learner.settings
    coef = np.asarray(rule, dtype=np.float64)[None]
    acc, trace = metaplastic_accuracy(coef, tasks, s.n_epochs, s.clip)
    fixed_acc, _ = metaplastic_accuracy(fam.fixed(coef), tasks, s.n_epochs, s.clip)
    mean = trace[0].mean(axis=0)                               # (S + 1, 32)
    moved = np.abs(mean[-1] - mean[0]) + np.abs(mean - mean[0]).max(axis=0)
    names = [fam.TERM_NAMES[i] for i in range(fam.N_RULE)]
    order = np.argsort(-moved)[:top]
    return {"kind": "metaplastic", "split": split, "episodes": len(tasks),
            "seen_so_far_accuracy": seen_so_far(acc)[0].mean(axis=0).tolist(),
            "seen_so_far_accuracy_second_rule_off": seen_so_far(fixed_acc)[0].mean(axis=0).tolist(),
            "coefficients_per_segment": {names[i]: mean[:, i].tolist() for i in order}}


def summary(problem, rule, split: str = "heldout") -> dict | None:
    """The run's self-modification summary for its best rule (None: not such a run)."""
    if not applies(problem):
        return None
    if problem.family.name == "srwm":
        return srwm_summary(problem, rule, split)
    return metaplastic_summary(problem, rule, split)


def format_summary(d: dict) -> list[str]:
    """Lines for `best` and `report`."""
    if d["kind"] == "srwm":
        acc = d["accuracy_per_position"]
        lines = [f"query accuracy after each support position ({d['episodes']} {d['split']} "
                 "episodes; position 0: before the support set):",
                 "  self-modifying  " + " ".join(f"{v:.3f}" for v in acc["full"]),
                 "  W fixed         " + " ".join(f"{v:.3f}" for v in acc["none"]),
                 "movement of W from its start, |W_l - W_0| / |W_0| per block:"]
        lines += [f"  {b:<5s} " + " ".join(f"{v:.3f}" for v in vals)
                  for b, vals in d["movement_per_position"].items()]
        return lines
    lines = [f"accuracy on the tasks learned so far after each task ({d['episodes']} "
             f"{d['split']} sequences):",
             "  meta-plastic      " + " ".join(f"{v:.3f}" for v in d["seen_so_far_accuracy"]),
             "  second rule off   " + " ".join(
                 f"{v:.3f}" for v in d["seen_so_far_accuracy_second_rule_off"]),
             "coefficients that move most (before training, after each task):"]
    lines += [f"  {name:<12s} " + " ".join(f"{v:+.3f}" for v in vals)
              for name, vals in d["coefficients_per_segment"].items()]
    return lines
