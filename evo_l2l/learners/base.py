"""Learner: the component a learner registers (learners/__init__.py).

A learner is a small network and the kernels that train it with a rule. It
owns its settings section ([learner] in a config), what it requires of a task
set (tags a task family provides, tasks/family.py), the rule families it runs
(its kernels) and, for symbolic rules, its local variables, known rules and
known forms. Generic code (config.py) checks the pairings from these
declarations; nothing elsewhere lists learners by name.

A learner that runs a parametric family implements
    coefficient_curves(family, coef (R, K), tasks, settings) -> (R, T, E + 1)
and one that runs symbolic rules (family 'symbolic') sets `variables` and implements
    program_curves(programs, tasks, settings, eta, views, noise_seed) -> (R, T, E + 1)
where programs = (ops, args, lengths, depth) from rules.symbolic.pack_programs.
Curves hold the task performance (in [0, 1]) before training and after each epoch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..components import Settings, setting

# Special values for the functional-equivalence probes (evolution/symbolic_problem.py): a
# sigmoid output within 1e-12 of 0 or 1 makes a protected division by it return 1.
TINY = 1e-13                  # 0 < TINY < PDIV_EPS
NEAR_ONE = 1.0 - 2.0 ** -43   # 1 - NEAR_ONE < PDIV_EPS
SIGMOID_SPECIAL = (0.5, 1.0, TINY, NEAR_ONE)


@dataclass
class LearnerSettings(Settings):
    n_epochs: int = setting(10, "epochs of online learning per task (one update per pattern)",
                            low=1)
    clip: float = setting(20.0, "weights are clipped to [-clip, clip] after every update",
                          low=0, low_open=True)
    fitness_measure: str = setting(
        "mean", "mean: performance averaged before training and after each epoch (speed "
                "counts); final: after the last epoch", choices=("mean", "final"))


class Learner:
    """Defaults of a learner component; subclasses set what applies to them."""

    name: str = ""
    summary: str = ""
    settings: type = LearnerSettings
    requires: frozenset = frozenset()        # task tags (tasks/family.py)
    coefficient_families: tuple = ()         # parametric rule families its kernels run
    performance: str = "1 - mean|t - o|"     # how one task's performance is measured
    # Symbolic rules (rule family 'symbolic'); variables None: not supported.
    variables: tuple | None = None
    known_trees: dict = {}                   # name -> rate -> tree text
    known_labels: dict = {}                  # name -> display name ("the delta rule")
    reference_rule: str = "delta"            # the known rule shown beside evolved ones
    reference_form: str = "delta"            # the name known forms give it (rules.symbolic.known_form)
    forms: tuple = ()                        # (name, template(symbols) -> sympy expr)
    probe_special: dict = {}                 # variable -> exact values it takes in tasks (cache probes)
    register_layout: tuple = ()              # (interpreter code or None, kinds, rows) of its variables

    def performance_on(self, tasks) -> str:
        """How one task's performance is measured on this task set (labels): `performance`,
        unless a learner words it per protocol (episode nets: few-shot or continual)."""
        return self.performance

    def runs(self, family: str) -> bool:
        return family in self.coefficient_families or (family == "symbolic"
                                                       and self.variables is not None)

    def label(self, rule_name: str) -> str:
        return self.known_labels.get(rule_name, rule_name)

    def special_form(self, tree, pset, expr, symbols, exact):
        """A learner's own recogniser of known forms (see rules.symbolic.known_form)."""
        return None

    def coefficient_curves(self, family: str, coef: np.ndarray, tasks, settings) -> np.ndarray:
        raise ValueError(f"learner {self.name!r} runs no parametric rules")

    def program_curves(self, programs, tasks, settings, eta: float, views=None,
                       noise_seed: int = 0) -> np.ndarray:
        raise ValueError(f"learner {self.name!r} runs no symbolic rules")

    def program_views(self, tasks):
        """Precomputed layout of a task set for program_curves (None: none needed)."""
        return None

    def epochs_trained(self, coef: np.ndarray, tasks, settings) -> np.ndarray | None:
        """(R, T) epochs each rule really trains on each task where a rule sets its own (its
        curves are held flat after); None: every rule trains every epoch of the curves."""
        return None


def fitness_from_curves(curves: np.ndarray, measure: str = "mean") -> np.ndarray:
    """(R, T, E+1) curves -> (R,) fitness, the mean over tasks of each task's score.

    measure='mean' averages the measurements before training and after each
    epoch, so learning speed counts (Chalmers 1990 [S]); 'final' takes the
    last measurement only.
    """
    # np.add.reduce(...) / n is what ndarray.mean computes (numpy's _mean: the same reduction,
    # then a true division by the count), without its Python-level wrapper: this runs on
    # every kernel call of a run (tests/test_kernels.py checks it bit for bit).
    if measure == "mean":
        per_task = np.add.reduce(curves, axis=2) / curves.shape[2]
    elif measure == "final":
        per_task = curves[:, :, -1]
    else:
        raise ValueError(f"unknown fitness measure {measure!r}; expected mean or final")
    return np.add.reduce(per_task, axis=1) / per_task.shape[1]


_ORDERS: dict = {}       # id(task set) -> (its n_patterns array, its order)


def task_order(tasks: TaskSet) -> np.ndarray:
    """The order the kernel's jobs take the tasks: kernels/_jobs.balanced_task_order of
    their patterns x inputs x outputs (the same results, the threads' work balanced).

    Kept per task set (a run asks for it once a generation): any permutation gives the same
    results, so an order kept for a task set whose arrays were changed since costs time
    at most, never a wrong number."""
    from ..kernels._jobs import balanced_task_order
    kept = _ORDERS.get(id(tasks))
    if kept is not None and kept[0] is tasks.n_patterns and len(kept[1]) == len(tasks.n_patterns):
        return kept[1]
    order = balanced_task_order(tasks.n_patterns * tasks.n_inputs * tasks.n_outputs)
    if len(_ORDERS) >= 64:
        _ORDERS.clear()
    _ORDERS[id(tasks)] = (tasks.n_patterns, order)
    return order
