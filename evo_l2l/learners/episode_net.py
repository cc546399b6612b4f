"""Two-layer nets that learn episodes (few-shot support sets, continual-learning sequences)
only by the evolved local rule; see kernels/episode_net.py for the net and the rule's
variables, tasks/episodes.py for what an episode is.

Performance of an episode after segment s: its mean test accuracy over the tasks learned so
far (test groups 0..s when there is one group per segment, as in continual learning: the
last value is ACC of Lopez-Paz & Ranzato 2017), else over every group (a few-shot query
set); the "epochs" of a learning curve are the segments. With fitness_measure 'final' and
more than MEASURE_ALL_UP_TO rules in a call only the last value is measured (the others are
NaN), which skips most of the scoring work during evolution.
"""
from __future__ import annotations

import numpy as np

from ..rules import bengio_init, metaplastic
from ..tasks import TaskSet
from .base import Learner
from .single_layer import DEFAULT_BLOCK

MEASURE_ALL_UP_TO = 8      # rules per call that get every accuracy row measured


def episode_accuracy(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 1, clip: float = 20.0,
                     measure_all: bool = True) -> np.ndarray:
    """(R, 16) bengio, (R, 32) bengio_layers or (R, 2113) bengio_init rows -> (R, T, S + 1, G)
    test-group accuracies.

    Row 0: before training; row s + 1: after segment s. measure_all False: row S only
    (the others NaN). bengio_init rows carry their own initial hidden weights and output
    gain (rules/bengio_init.py), which replace the episodes' W0_hidden and scale their W0.
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.ndim == 2 and coef.shape[1] == metaplastic.N_COEF:
        return metaplastic_accuracy(coef, tasks, n_epochs, clip, measure_all)[0]
    if coef.ndim != 2 or coef.shape[1] not in (16, 32, bengio_init.N_COEF):
        raise ValueError(f"coef must have shape (R, 16), (R, 32), (R, {bengio_init.N_COEF}) "
                         f"or (R, {metaplastic.N_COEF}), got {coef.shape}")
    _check_episodes(tasks, n_epochs, clip)
    if coef.shape[1] == bengio_init.N_COEF:
        p = bengio_init.parts(coef)
        return init_accuracy(p["rule"], p["W0"], p["out_gain"], tasks, n_epochs, clip,
                             measure_all)
    return init_accuracy(coef, None, None, tasks, n_epochs, clip, measure_all)


def init_accuracy(coef: np.ndarray, W0_hidden: np.ndarray | None, out_gain: np.ndarray | None,
                  tasks: TaskSet, n_epochs: int = 1, clip: float = 20.0,
                  measure_all: bool = True) -> np.ndarray:
    """Rules (R, 16) or (R, 32) with their own initial state -> (R, T, S + 1, G) accuracies.

    W0_hidden (R, H, >= I) replaces the episodes' initial hidden weights (None: each
    episode's own), out_gain (R,) multiplies their initial output weights (None: 1). The
    hidden layer's updates are skipped when every hidden rule of the call is 0 and every
    initial hidden weight is within the clip (then an update would leave it as it is).
    """
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    out_rule, hidden_rule = coef[:, :16], coef[:, -16:]     # the same for a shared rule
    _check_episodes(tasks, n_epochs, clip)
    R, T = coef.shape[0], len(tasks)
    H, I = tasks.W0_hidden.shape[1], int(tasks.n_inputs.max(initial=0))
    if W0_hidden is None:
        Wh_rule = np.zeros((0, H, tasks.X.shape[2]))
    else:
        Wh_rule = np.ascontiguousarray(W0_hidden, dtype=np.float64)
        if Wh_rule.shape[:2] != (R, H) or Wh_rule.shape[2] < I:
            raise ValueError(f"evolved initial weights of shape {Wh_rule.shape[1:]} do not fit "
                             f"these episodes' nets ({H} hidden units, {I} inputs); set "
                             f"tasks.n_hidden = {Wh_rule.shape[1]}")
    gain = (np.zeros(0) if out_gain is None
            else np.ascontiguousarray(np.broadcast_to(out_gain, (R,)), dtype=np.float64))
    start = tasks.W0_hidden if W0_hidden is None else Wh_rule
    plastic_hidden = bool(np.any(hidden_rule != 0.0) or not np.all(np.abs(start) <= clip))
    S, G = tasks.segment_end.shape[1], tasks.group_end.shape[1]
    acc = np.full((R, T, S + 1, G), np.nan)
    if R and T:
        from ..kernels.episode_net import train_episode_population
        n_blocks = -(-R // DEFAULT_BLOCK)
        train_episode_population(np.ascontiguousarray(out_rule.T),
                                 np.ascontiguousarray(hidden_rule.T), tasks.X, tasks.Y, tasks.W0_hidden,
                                 tasks.W0, tasks.n_inputs, tasks.n_outputs, tasks.segment_end,
                                 tasks.group_end, tasks.group_mask, int(n_epochs), float(clip),
                                 bool(measure_all), -(-R // n_blocks), acc, Wh_rule, gain,
                                 plastic_hidden)
    return acc


def _check_episodes(tasks: TaskSet, n_epochs: int, clip: float) -> None:
    if tasks.segment_end is None or tasks.W0_hidden is None:
        raise ValueError("these tasks are not episodes (use rot_digits, permuted_digits or "
                         "split_digits)")
    if n_epochs < 1 or not clip > 0:
        raise ValueError("n_epochs must be >= 1 and clip > 0")


def metaplastic_accuracy(coef: np.ndarray, tasks: TaskSet, n_epochs: int = 1,
                         clip: float = 20.0, measure_all: bool = True):
    """(R, 98) meta-plastic genomes (rules/metaplastic.py) -> ((R, T, S + 1, G) accuracies,
    (R, T, S + 1, 32) the rule's coefficients before training and after each segment)."""
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    if coef.ndim != 2 or coef.shape[1] != metaplastic.N_COEF:
        raise ValueError(f"coef must have shape (R, {metaplastic.N_COEF}), got {coef.shape}")
    _check_episodes(tasks, n_epochs, clip)
    p = metaplastic.parts(coef)
    R, T = coef.shape[0], len(tasks)
    S, G = tasks.segment_end.shape[1], tasks.group_end.shape[1]
    acc = np.full((R, T, S + 1, G), np.nan)
    trace = np.full((R, T, S + 1, metaplastic.N_RULE), np.nan)
    if R and T:
        from ..kernels.metaplastic import train_metaplastic_population
        n_blocks = -(-R // DEFAULT_BLOCK)
        cols = [np.ascontiguousarray(a.T) for a in
                (p["c0"][:, :16], p["c0"][:, 16:], p["A"][:, :16], p["A"][:, 16:],
                 p["B"][:, :16], p["B"][:, 16:])]
        train_metaplastic_population(*cols, np.ascontiguousarray(p["lam"]),
                                     np.ascontiguousarray(p["tau"]), tasks.X, tasks.Y,
                                     tasks.W0_hidden, tasks.W0, tasks.n_inputs, tasks.n_outputs,
                                     tasks.segment_end, tasks.group_end, tasks.group_mask,
                                     int(n_epochs), float(clip), bool(measure_all),
                                     -(-R // n_blocks), acc, trace)
    return acc, trace


def seen_so_far(acc: np.ndarray) -> np.ndarray:
    """(..., S + 1, G) accuracies -> (..., S + 1) mean accuracy on the tasks learned so far.

    With one test group per segment (S == G), row s (s >= 1) averages groups 0..s-1 and
    row 0 (before training) every group; otherwise every row averages every group.
    """
    S, G = acc.shape[-2] - 1, acc.shape[-1]
    if S != G:
        return acc.mean(axis=-1)
    out = np.empty(acc.shape[:-1])
    out[..., 0] = acc[..., 0, :].mean(axis=-1)
    for s in range(1, S + 1):
        out[..., s] = acc[..., s, :s].mean(axis=-1)
    return out


FEWSHOT_PERFORMANCE = "query accuracy (argmax) after learning the episode's support set"


def episode_performance(tasks, continual: str) -> str:
    """The performance label of episode nets on these episodes: a few-shot episode (one
    segment, one test group) is one task, scored on its query images; else `continual`."""
    seg, grp = getattr(tasks, "segment_end", None), getattr(tasks, "group_end", None)
    if seg is not None and grp is not None and seg.shape[1] == 1 and grp.shape[1] == 1:
        return FEWSHOT_PERFORMANCE
    return continual


class EpisodeNet(Learner):
    """Two-layer nets, fresh every episode, trained online by one rule with an error signal."""

    name = "episode_net"
    summary = ("two-layer nets that learn few-shot and continual-learning episodes online by "
               "the rule alone (a, o, w and an error m: own at the outputs, fed back at the "
               "hidden units)")
    requires = frozenset({"hidden_layer", "episodes"})
    coefficient_families = ("bengio", "bengio_layers", "metaplastic", "bengio_init")
    performance = "test accuracy (argmax), mean over the tasks learned so far"

    def performance_on(self, tasks) -> str:
        return episode_performance(tasks, self.performance)

    def coefficient_curves(self, family, coef, tasks, settings):
        # A final-accuracy fitness needs the last row only, which skips most of the scoring
        # in evolution; a handful of rules (analysis: learning curves, reports) get every
        # row. The last row is the same either way (tests/test_episodes.py).
        few = np.atleast_2d(coef).shape[0] <= MEASURE_ALL_UP_TO
        acc = episode_accuracy(coef, tasks, settings.n_epochs, settings.clip,
                               measure_all=few or settings.fitness_measure != "final")
        return seen_so_far(acc)

    def accuracy(self, coef, tasks, settings, measure_all: bool = True) -> np.ndarray:
        """(R, T, S + 1, G) every accuracy (analysis: R matrices, few-shot accuracy);
        measure_all False: row S only."""
        return episode_accuracy(coef, tasks, settings.n_epochs, settings.clip, measure_all)


LEARNER = EpisodeNet()
