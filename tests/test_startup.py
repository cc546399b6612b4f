"""The start-up shortcuts of evo_l2l/kernels/_startup.py, which evo_l2l.configure_process()
(the command line's start-up) installs: a first dispatch without scipy and without loading
numba's registries, the same results, and BLAS still there for code that compiles it.
Without configure_process numba takes its own path."""
import subprocess
import sys
from pathlib import Path

CHILD = """
import sys
import evo_l2l
evo_l2l.configure_process()
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


# Kernels of three shapes (a parallel single-layer kernel, the episode nets, which
# allocate arrays through numba's runtime, and chalmers1990-gp's GP interpreter), run
# after a cache load; the digest of what they return, and whether numba's registries
# were loaded.
KERNELS = """
import hashlib, sys
import numpy as np
import evo_l2l
if sys.argv[1] == "shortcut":       # the command line's start-up
    evo_l2l.configure_process()
if sys.argv[1] == "refreshed":      # numba's own path: every registry loaded up front
    from numba.core.registry import cpu_target
    cpu_target.target_context.refresh()
sys.path.insert(0, sys.argv[2])
from test_episodes import random_episodes
from evo_l2l.learners import learning_curves
from evo_l2l.learners.episode_net import episode_accuracy
from evo_l2l.tasks import make_boolean_environment
rng = np.random.default_rng(5)
env = make_boolean_environment(rng).select("train")
parts = [learning_curves(rng.normal(0, 1, (40, 11)), env),
         episode_accuracy(rng.normal(0, 0.3, (5, 16)), random_episodes(rng))]
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.experiments import PRESETS
config = PRESETS["chalmers1990-gp"].default_config()
problem = make_problem(config, build_tasks(config))
parts.append(problem.fitness_of([problem.known_rule(problem.reference_rule)], "train"))
print(hashlib.sha256(b"".join(np.ascontiguousarray(p).tobytes() for p in parts)).hexdigest(),
      "numba.np.arraymath" in sys.modules)
"""


def _kernels(mode):
    tests = str(Path(__file__).parent)
    return subprocess.run([sys.executable, "-c", KERNELS, mode, tests], capture_output=True,
                          text=True, check=True).stdout.split()


def test_cache_loads_without_refresh_give_what_numba_s_own_path_gives():
    _kernels("shortcut")                              # fills numba's cache if it is cold
    digest, registries_loaded = _kernels("shortcut")
    assert registries_loaded == "False"               # the refresh was skipped
    assert _kernels("refreshed") == [digest, "True"]
    assert _kernels("library") == [digest, "True"]    # no configure_process: numba's path


EXTENSIONS = """
import evo_l2l
evo_l2l.configure_process()
import numpy as np
from numba.core import entrypoints
from evo_l2l.learners import learning_curves
from evo_l2l.tasks import make_boolean_environment
env = make_boolean_environment(np.random.default_rng(0)).select("train")
learning_curves(np.zeros((4, 11)), env)
own = entrypoints._already_initialized
from numba import njit
@njit
def plus_one(x):
    return x + 1
print(own, plus_one(1) == 2, entrypoints._already_initialized)
"""


def test_own_kernels_skip_extension_entry_points_other_code_still_runs_them():
    out = subprocess.run([sys.executable, "-c", EXTENSIONS], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "True", "True"]


FOLDER_CHECKS = """
import os, shutil, sys, tempfile
made = []
real = tempfile.TemporaryFile
def counted(*a, **k):
    made.append(k.get("dir"))
    return real(*a, **k)
tempfile.TemporaryFile = counted
import evo_l2l
evo_l2l.configure_process()
import evo_l2l.kernels                       # applies the shortcut
from numba import njit
sys.path.insert(0, sys.argv[1])
import defs                                  # five @njit(cache=True) functions, one folder
for f in (defs.f0, defs.f1, defs.f2, defs.f3, defs.f4):
    njit(cache=True)(f)
first = len(made)
shutil.rmtree(os.path.join(sys.argv[1], "__pycache__"))
njit(cache=True)(defs.f0)                    # the folder is gone: checked (and made) again
print(first, len(made), os.path.isdir(os.path.join(sys.argv[1], "__pycache__")))
"""


def test_a_cache_folder_is_checked_once_while_it_exists(tmp_path):
    (tmp_path / "defs.py").write_text("".join(f"def f{i}(x):\n    return x + {i}\n"
                                              for i in range(5)))
    out = subprocess.run([sys.executable, "-c", FOLDER_CHECKS, str(tmp_path)],
                         capture_output=True, text=True, check=True).stdout.split()
    assert out == ["1", "2", "True"]
