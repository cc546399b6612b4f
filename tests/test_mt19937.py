"""kernels/mt19937.py against random.Random: the same numbers from the same state, and the
generator handed back where Python's own calls would have left it."""
import random

import numpy as np
import pytest
from numba import njit

from evo_l2l.kernels import mt19937 as mt


@njit(cache=True)
def _draws(st, g, ops, args):
    out = np.zeros(len(ops))
    for i in range(len(ops)):
        if ops[i] == 0:
            out[i] = mt.randbelow(st, int(args[i]))
        elif ops[i] == 1:
            out[i] = mt.random01(st)
        elif ops[i] == 2:
            out[i] = mt.gauss(st, g, 0.25, args[i])
        else:
            out[i] = mt.uniform(st, -args[i], args[i])
    return out


@pytest.mark.parametrize("seed", range(8))
def test_draws_and_state_equal_random_random(seed):
    rng = random.Random(seed)
    for _ in range(seed * 37):            # start anywhere in the 624-word block
        rng.random()
    if seed % 2:
        rng.gauss(0.0, 1.0)               # a cached second gauss value goes in
    g = np.random.default_rng(seed)
    ops = g.integers(0, 4, 3000)
    top = [2, 7, 1000, 2 ** 31, 2 ** 32 - 1][seed % 5]
    args = np.where(ops == 0, g.integers(1, top + 1, 3000), g.random(3000) * 4)
    args = args.astype(np.float64)
    st, g = mt.load(rng)
    got = _draws(st, g, ops, args)
    want = np.array([rng._randbelow(int(a)) if o == 0 else rng.random() if o == 1 else
                     rng.gauss(0.25, a) if o == 2 else rng.uniform(-a, a)
                     for o, a in zip(ops, args)], dtype=np.float64)
    assert np.array_equal(got, want)
    back = random.Random()
    mt.store(back, st, g)
    assert back.getstate() == rng.getstate()
    assert back.random() == rng.random()
