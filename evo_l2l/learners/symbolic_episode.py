"""Episode nets trained by symbolic (GP) rules: few-shot and continual learning on real data.

The nets, variables (a, o, w, m), protocol and scoring of learners/episode_net.py; the rule
is an expression tree (rules/symbolic/) run by kernels/symbolic_episode.py. Two hidden
layers (setting `hidden`):
  - plastic: tanh units whose synapses learn by the same rule, the error fed back through
    fixed random weights (as episode_net with the bengio family);
  - fixed: a hidden layer that never learns; with k_active > 0 a wide layer of binary
    k-winners-take-all units (FlyModel: Shen, Dasgupta & Navlakha 2021, "Algorithmic
    insights on continual learning from fruit flies"), whose sparse codes overlap little,
    so what is learned for one task disturbs the others little. active_only: only the
    synapses from active hidden units (and the bias) change, as in FlyModel's
    associative output layer.
Performance: mean test accuracy over the tasks learned so far (episode_net.seen_so_far); a
few-shot episode is one task, scored on its query images.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import need, setting
from ..rules.symbolic import scaled
from ..tasks import TaskSet
from .base import NEAR_ONE, SIGMOID_SPECIAL, TINY, Learner, LearnerSettings
from .episode_net import MEASURE_ALL_UP_TO, episode_performance, seen_so_far
from .symbolic import NET_LAYOUT, program_args


@dataclass
class SymbolicEpisodeSettings(LearnerSettings):
    hidden: str = setting("plastic", "plastic: tanh hidden units that learn by the rule (error "
                                     "fed back by fixed random weights); fixed: a hidden layer "
                                     "that never learns", choices=("plastic", "fixed"))
    k_active: int = setting(0, "fixed hidden layer: 0 dense tanh units; k > 0 binary "
                               "k-winners-take-all units (the k largest pre-activations "
                               "are 1, the others 0)", low=0)
    active_only: bool = setting(False, "fixed hidden layer: only synapses from active "
                                       "hidden units (and the bias) learn")

    def check(self) -> None:
        need(self.hidden == "fixed" or (self.k_active == 0 and not self.active_only),
             "learner.k_active and learner.active_only need learner.hidden = 'fixed'")


def _codes(tasks: TaskSet, settings, views: dict | None):
    """(code_idx, code_val) of the fixed hidden layer, computed once per task set and k."""
    key = ("codes", settings.k_active)
    if views is not None and key in views:
        return views[key]
    H = tasks.W0_hidden.shape[1]
    if settings.k_active > H:
        raise ValueError(f"learner.k_active ({settings.k_active}) must be at most the hidden "
                         f"units ({H})")
    from ..kernels.symbolic_episode import hidden_codes
    codes = hidden_codes(tasks.X, tasks.W0_hidden, tasks.n_inputs, int(settings.k_active))
    if views is not None:
        views[key] = codes
    return codes


def program_accuracy(programs, tasks: TaskSet, settings, eta: float, views: dict | None = None,
                     measure_all: bool = True) -> np.ndarray:
    """Compiled programs (ops, args, lengths, depth) -> (R, T, S + 1, G) test-group accuracies
    (row 0 before training, row s + 1 after segment s; measure_all False: row S only)."""
    if tasks.segment_end is None or tasks.W0_hidden is None:
        raise ValueError("these tasks are not episodes (use rot_digits, permuted_digits or "
                         "split_digits)")
    if settings.n_epochs < 1 or not settings.clip > 0:
        raise ValueError("n_epochs must be >= 1 and clip > 0")
    ops, args, lengths, depth = program_args(programs)
    R, T = ops.shape[0], len(tasks)
    S, G = tasks.segment_end.shape[1], tasks.group_end.shape[1]
    acc = np.full((R, T, S + 1, G), np.nan)
    if R and T:
        plastic = settings.hidden == "plastic"
        if plastic:
            idx, val = np.zeros((T, 1, 1), np.int64), np.zeros((T, 1, 1))
        else:
            idx, val = _codes(tasks, settings, views)
        from ..kernels.symbolic_episode import train_programs_episodes
        train_programs_episodes(ops, args, lengths, depth, tasks.X, tasks.Y, tasks.W0_hidden,
                                tasks.W0, tasks.n_inputs, tasks.n_outputs, tasks.segment_end,
                                tasks.group_end, tasks.group_mask, idx, val, plastic,
                                bool(settings.active_only), int(settings.n_epochs),
                                float(settings.clip), float(eta), np.array(NET_LAYOUT[0]),
                                np.array(NET_LAYOUT[1]), bool(measure_all), acc)
    return acc


class SymbolicEpisodeNet(Learner):
    """Episode nets (fresh every episode) trained online by a GP rule over a, o, w, m."""

    name = "symbolic_episode"
    summary = ("episode nets (few-shot, continual) trained online by a symbolic rule over a, o, "
               "w, m; hidden layer plastic, or fixed (optionally wide, k-winners-take-all)")
    settings = SymbolicEpisodeSettings
    requires = frozenset({"hidden_layer", "episodes"})
    performance = "test accuracy (argmax), mean over the tasks learned so far"

    def performance_on(self, tasks) -> str:
        return episode_performance(tasks, self.performance)

    variables = ("a", "o", "w", "m")
    known_trees = {"delta": lambda rate=None: scaled(rate, "mul(a, m)"),
                   "hebb": lambda rate=None: scaled(rate, "mul(a, o)"),
                   "none": lambda rate=None: "0.0"}
    known_labels = {"delta": "the delta rule", "hebb": "Hebb's rule", "none": "no learning"}
    forms = (("delta", lambda v: v["a"] * v["m"]),)
    # a: binary codes, the bias -1, tanh units; o: sigmoid outputs, tanh hidden units.
    probe_special = {"a": (-1.0, 0.0, 1.0, TINY, NEAR_ONE), "o": SIGMOID_SPECIAL + (-0.5,),
                     "w": (0.0,), "m": (0.0, TINY, -TINY)}
    register_layout = (None,) + NET_LAYOUT

    def check_pairing(self, settings, task_settings) -> None:
        H = getattr(task_settings, "n_hidden", None)
        need(H is None or settings.k_active <= H,
             f"learner.k_active ({settings.k_active}) must be at most tasks.n_hidden ({H})")

    def program_views(self, tasks):
        return {}          # filled by program_curves: the fixed hidden codes of this task set

    def program_curves(self, programs, tasks, settings, eta, views=None, noise_seed=0):
        few = programs[0].shape[0] <= MEASURE_ALL_UP_TO
        acc = program_accuracy(programs, tasks, settings, eta, views,
                               measure_all=few or settings.fitness_measure != "final")
        return seen_so_far(acc)

    def program_accuracy(self, programs, tasks, settings, eta, views=None,
                         measure_all: bool = True) -> np.ndarray:
        """(R, T, S + 1, G) every accuracy (analysis: R matrices, few-shot accuracy);
        measure_all False: row S only."""
        return program_accuracy(programs, tasks, settings, eta, views, measure_all)


LEARNER = SymbolicEpisodeNet()
