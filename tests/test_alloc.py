"""kernels/alloc.empty: np.empty(shape) of float64 without numba's np.empty functions."""
import subprocess
import sys

import numpy as np
import pytest
from numba import njit

from evo_l2l.kernels.alloc import empty


@njit
def filled(n, shape2, shape3):
    a, b, c = empty(n), empty(shape2), empty(shape3)
    for i in range(a.size):
        a[i] = i
    for i in range(b.shape[0]):
        for j in range(b.shape[1]):
            b[i, j] = 10 * i + j
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            for k in range(c.shape[2]):
                c[i, j, k] = 100 * i + 10 * j + k
    return a, b, c


def test_empty_gives_c_ordered_float64_arrays_of_the_shape():
    a, b, c = filled(5, (3, 4), (2, 3, 4))
    for got, want in ((a, np.arange(5.0)),
                      (b, np.add.outer(10 * np.arange(3.0), np.arange(4.0))),
                      (c, (100 * np.arange(2.0))[:, None, None] + (10 * np.arange(3.0))[:, None]
                       + np.arange(4.0))):
        assert got.dtype == np.float64 and got.flags.c_contiguous and got.flags.writeable
        assert got.shape == want.shape and np.array_equal(got, want)
    assert filled(0, (0, 4), (2, 0, 1))[0].shape == (0,)


def test_a_size_that_overflows_raises_numpys_error():
    @njit
    def huge(n):
        return empty((n, n, n))
    with pytest.raises(ValueError, match="array is too big"):
        huge(2 ** 40)


def test_a_cached_single_layer_kernel_loads_without_numba_s_array_module():
    # With the command line's start-up (configure_process), which installs the shortcuts.
    code = ("import sys, numpy as np, evo_l2l\n"
            "evo_l2l.configure_process()\n"
            "from evo_l2l.learners import learning_curves\n"
            "from evo_l2l.tasks import make_boolean_environment\n"
            "env = make_boolean_environment(np.random.default_rng(0)).select('train')\n"
            "learning_curves(np.zeros((4, 11)), env)\n"
            "learning_curves(np.zeros((4, 11)), env)\n"
            "print('numba.np.arrayobj' in sys.modules)\n")
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]   # the first may compile
    assert runs[1] == ["False"]


BALANCE = """
import numpy as np
from numba import njit, prange
from numba.core.runtime import rtsys
from evo_l2l.kernels.alloc import empty
from evo_l2l.learners import learning_curves
from evo_l2l.tasks import make_boolean_environment

@njit(parallel=True)
def churn(n):
    total = 0.0
    for i in prange(n):
        a = empty((3, i + 1))
        a[0, 0] = i
        total += a[0, 0]
    return total

env = make_boolean_environment(np.random.default_rng(0)).select("train")
learning_curves(np.zeros((40, 11)), env)
churn(4)
before = rtsys.get_allocation_stats()
for seed in range(3):
    learning_curves(np.random.default_rng(seed).normal(0, 1, (40, 11)), env)
assert churn(100) == 4950.0
after = rtsys.get_allocation_stats()
print(after.alloc - before.alloc > 0, after.alloc - before.alloc == after.free - before.free,
      after.mi_alloc - before.mi_alloc == after.mi_free - before.mi_free)
"""


def test_arrays_from_empty_are_freed():
    """Every array `empty` allocates is freed once (numba's runtime counts them)."""
    import os
    env = {**os.environ, "NUMBA_NRT_STATS": "1"}
    out = subprocess.run([sys.executable, "-c", BALANCE], capture_output=True, text=True,
                         env=env, check=True).stdout.split()
    assert out == ["True", "True", "True"]
