"""The start-up shortcut of evo_l2l/kernels/_startup.py: a first dispatch without scipy,
and BLAS still there for code that compiles it."""
import subprocess
import sys

CHILD = """
import sys
import numpy as np
from evo_l2l.learners import learning_curves
from evo_l2l.tasks import make_boolean_environment
env = make_boolean_environment(np.random.default_rng(0)).select("train")
learning_curves(np.zeros((4, 11)), env)
first = "scipy.linalg" in sys.modules
from numba import njit
@njit
def dot(a, b):
    return np.dot(a, b)
a = np.arange(12.0).reshape(3, 4)
ok = np.allclose(dot(a, a.T), a @ a.T)
print(first, ok, "scipy.linalg" in sys.modules)
"""


def test_first_dispatch_skips_scipy_and_blas_still_compiles():
    out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]
