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

from .taskset import TaskSet, expand_shapes, random_split


def make_student_teacher_tasks(rng: np.random.Generator, shapes=((30, 20, 5),),
                               n_heldout: int = 10, init_low: float = -1.0,
                               init_high: float = 1.0, **_ignored) -> TaskSet:
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
