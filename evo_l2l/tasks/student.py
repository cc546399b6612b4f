"""Student-teacher regression tasks: a linear neuron learns to match a teacher.

After the error-driven task of Jordan, Schmidt, Senn & Petrovici (2021),
"Evolving interpretable plasticity for spiking networks" (eLife): a student
neuron receives the same presynaptic activity as a teacher and must learn
the teacher's weights from the teacher's output alone. Our version is
rate-based: inputs are rates in [0, 1] (the presynaptic traces), the teacher's
output is u_target = w* . x, the student's u = w . x.
"""
from __future__ import annotations

import numpy as np

from dataclasses import dataclass

from ..components import need, setting
from .boolean import check_shapes
from .family import TaskFamily, TaskSettings, check_heldout
from .taskset import TaskSet, expand_shapes, random_split, shapes_size


def make_student_teacher_tasks(rng: np.random.Generator, shapes=((30, 20, 5),),
                               n_heldout: int = 10, init_low: float = -1.0,
                               init_high: float = 1.0) -> TaskSet:
    """Tasks of (count, patterns, inputs) shapes; teacher weights ~ N(0, 1/inputs).

    Each task has its own teacher, input sequence (rates ~ U[0, 1]) and
    student initial weights ~ U[init_low, init_high) / sqrt(inputs).
    """
    specs = expand_shapes(shapes, n_heldout)
    T, P, I = len(specs), max(p for p, _ in specs), max(n for _, n in specs)
    X = np.zeros((T, P, I)); Y = np.zeros((T, P, 1)); W0 = np.zeros((T, 1, I))
    for k, (p, n) in enumerate(specs):
        teacher = rng.standard_normal(n) / np.sqrt(n)
        x = rng.uniform(0.0, 1.0, (p, n))
        X[k, :p, :n] = x
        Y[k, :p, 0] = x @ teacher
        W0[k, 0, :n] = rng.uniform(init_low, init_high, n) / np.sqrt(n)
    split = random_split(rng, T, n_heldout)
    return TaskSet(X, Y, W0, np.array([p for p, _ in specs]), np.array([n for _, n in specs]),
                   np.ones(T, dtype=np.int64), split, family="student_teacher",
                   params={"shapes": [list(s) for s in shapes], "n_heldout": n_heldout,
                           "init_low": init_low, "init_high": init_high})


def check_real_shapes(shapes) -> None:
    check_shapes(shapes)
    need(all(1 <= s[2] <= 1000 and 1 <= s[1] <= 100_000 for s in shapes),
         "each task shape needs 1..1000 inputs and 1..100000 patterns")


@dataclass
class Settings(TaskSettings):
    shapes: list = setting([[30, 20, 5]], "[count, patterns, inputs] groups of tasks")
    init_low: float = setting(-1.0, "student's initial weights ~ U[init_low, init_high) / sqrt(inputs)")
    init_high: float = setting(1.0, "upper end of the initial weights' range")

    def check(self) -> None:
        check_real_shapes(self.shapes)
        check_heldout(self.n_heldout, sum(s[0] for s in self.shapes))
        need(self.init_low <= self.init_high, "init_low must be <= init_high")


FAMILY = TaskFamily(
    "student_teacher", Settings, frozenset({"single_layer_weights", "real_targets"}),
    lambda rng, s: make_student_teacher_tasks(rng, [tuple(x) for x in s.shapes], s.n_heldout,
                                              s.init_low, s.init_high),
    "a linear student neuron matches a teacher (Jordan et al. 2021)",
    size=lambda s: shapes_size(s.shapes))
