#!/usr/bin/env python
"""Bit-for-bit check of every learner wrapper against saved outputs.

    python scripts/check_kernels_bitwise.py save REF.npz    # on the code before a kernel change
    python scripts/check_kernels_bitwise.py check REF.npz   # on the code after it

Runs each public wrapper in evo_l2l/learners (parametric single-layer in every
mode, two-layer, Volterra, conditioning, and program_curves for all five
learners) on fixed random rules and tasks, including diverging rules (huge,
inf and NaN coefficients) and populations spanning several rule blocks, and
compares the float64 bit patterns, shapes and C-contiguity exactly. The
tests compare kernels to slow references with tolerances; this catches any
last-bit change a refactor makes.
"""
import os
import random
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _nasty(rng, n, k, scale):
    """Normal rules plus huge, inf and NaN ones (diverging nets must stay bit-identical too)."""
    c = rng.normal(0, scale, (n, k))
    c[0] *= 1e200
    c[1, 1] = np.inf
    c[2, 2] = np.nan
    return c


def outputs() -> dict:
    from deap import gp
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from conftest import random_taskset
    from evo_l2l.learners import learning_curves
    from evo_l2l.learners.conditioning import conditioning_curves
    from evo_l2l.learners.linear_neuron import volterra_curves
    try:                                   # where program_curves and the psets live moved
        from evo_l2l.learners import program_curves
        from conftest import pset_of
    except ImportError:
        from evo_l2l.learners.symbolic import program_curves
        pset_of = None
    from evo_l2l.learners.two_layer import two_layer_curves
    from evo_l2l.rules import bengio, chalmers, conditioning as cond, symbolic as sym, volterra
    from evo_l2l.tasks import (make_boolean_environment, make_boolean_function_tasks,
                               make_conditioning_tasks, make_gaussian_pca_tasks,
                               make_student_teacher_tasks)
    out = {}
    for seed in range(3):
        rng = np.random.default_rng(seed)
        tasks = random_taskset(rng, n_tasks=6)
        coef = np.vstack([chalmers.decode_bits(rng.integers(0, 2, (90, 35))),
                          _nasty(rng, 60, 11, 0.7)])
        out[f"chalmers/random{seed}"] = learning_curves(coef, tasks, 5, 3.0)
        out[f"chalmers/random{seed}/serial"] = learning_curves(coef, tasks, 5, 3.0, serial=True)
        for block in (1, 7, 64, 150):
            out[f"chalmers/random{seed}/block{block}"] = learning_curves(coef, tasks, 3, np.inf,
                                                                       block=block)
        env = make_boolean_environment(rng)
        out[f"chalmers/env{seed}"] = learning_curves(coef[:70], env)
        out[f"chalmers/env{seed}/one"] = learning_curves(coef[5], env, 2)

        ft = make_boolean_function_tasks(rng, n_heldout=3, n_hidden=2 + seed)
        coef16 = np.vstack([_nasty(rng, 75, 16, 0.3), bengio.delta_rule(2.0), bengio.hebb_rule()])
        out[f"two_layer/{seed}"] = two_layer_curves(coef16, ft, 6, 5.0)
        out[f"two_layer/{seed}/small"] = two_layer_curves(coef16[:5], ft.select([1, 6, 9]), 3, 20.0)

        pca = make_gaussian_pca_tasks(rng, shapes=((3, 25, 4), (2, 15, 6)), n_heldout=1)
        coef27 = np.vstack([_nasty(rng, 80, 27, 0.3), volterra.oja_rule()])
        out[f"volterra/{seed}"] = volterra_curves(coef27, pca, 6, 5.0, 0.05)

        ct = make_conditioning_tasks(rng, shapes=((2 + seed, 0, 0),), n_heldout=2)
        out[f"conditioning/{seed}"] = conditioning_curves(_nasty(rng, 40, 16, 0.5), ct, 4, 8.0)

        for learner in ("single_layer", "student", "reward", "two_layer", "conditioning"):
            unary = ("neg", "square", "tanh", "pexp")
            pset = pset_of(learner, unary) if pset_of else sym.make_pset(learner, unary)
            random.seed(seed)
            trees = [gp.PrimitiveTree(gp.genHalfAndHalf(pset, 1, 4)) for _ in range(12)]
            progs = sym.compile_programs(trees, pset)
            if learner == "student":
                t = make_student_teacher_tasks(rng, shapes=((3, 6, 3), (2, 4, 5)), n_heldout=0)
            elif learner == "two_layer":
                t = ft.select(np.arange(0, 16, 3))
            elif learner == "conditioning":
                t = ct
            else:
                t = make_boolean_environment(rng, shapes=((2, 4, 2), (3, 8, 3)), n_heldout=0)
            out[f"program/{learner}/{seed}"] = program_curves(progs, t, 3, 5.0, learner=learner,
                                                              eta=0.3, noise_seed=seed)
    return out


def main() -> None:
    mode, path = sys.argv[1], sys.argv[2]
    got = outputs()
    if mode == "save":
        np.savez(path, **{k: v for k, v in got.items()},
                 **{"contiguous:" + k: np.array(v.flags.c_contiguous) for k, v in got.items()})
        print(f"saved {len(got)} outputs to {path}")
        return
    ref = np.load(path)
    bad = []
    for k, v in got.items():
        r = ref[k]
        if v.shape != r.shape or v.dtype != r.dtype or not np.array_equal(
                v.view(np.uint64), r.view(np.uint64)):
            bad.append(f"{k}: values differ (shape {v.shape} vs {r.shape}, "
                       f"max |diff| {np.nanmax(np.abs(v - r)) if v.shape == r.shape else 'n/a'})")
        elif not v.flags.c_contiguous:
            bad.append(f"{k}: not C-contiguous")
    missing = sorted({k for k in ref.files if not k.startswith("contiguous:")} - set(got))
    bad += [f"{k}: missing" for k in missing]
    n_values = sum(v.size for v in got.values())
    if bad:
        sys.exit("\n".join(bad))
    print(f"bit-identical: {len(got)} outputs, {n_values} values")


if __name__ == "__main__":
    main()
