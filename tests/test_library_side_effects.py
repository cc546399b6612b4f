"""The library changes nothing process-wide; the command line configures its own process.

`import evo_l2l` and a whole run through evo_l2l.evolve leave signal handlers, the
environment, sys.modules (no stand-ins of evo_l2l/_lazy.py) and numba (no shortcut of
evo_l2l/kernels/_startup.py) as they were. The command line sets OMP_WAIT_POLICY, the
stand-ins and the shortcuts before a command imports numba. A KeyboardInterrupt inside a
library run, where no handler of ours turns it into a graceful stop, still leaves the
archive closed, marked interrupted and resumable to the uninterrupted run's arrays.
"""
import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest

from evo_l2l import open_run
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS

from test_evolution import arrays_of, assert_same_arrays

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def child(code: str, *args, **env_changes) -> dict:
    """Runs code in a fresh Python (this checkout's evo_l2l, OMP_WAIT_POLICY unset unless
    given) and returns the JSON it prints last."""
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [ROOT, env.get("PYTHONPATH")]))
    env.update(env_changes)
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


# The attributes of numba that _startup's shortcuts replace, and whether any is replaced.
NUMBA_PATCHED = """
def numba_patched():
    from numba.core import caching, cpu, dispatcher
    places = [(caching.Cache, "load_overload"), (caching._CacheLocator, "ensure_cache_path"),
              (cpu.CPUContext, "load_additional_registries"),
              (dispatcher._DispatcherBase, "_compilation_chain_init_hook")]
    return [f"{owner.__name__}.{name}" for owner, name in places
            if getattr(getattr(owner, name), "evo_l2l", False)
            or getattr(getattr(owner, name), "__module__", "").startswith("evo_l2l")]

def stand_ins():
    return sorted(n for n, m in list(sys.modules.items())
                  if type(m).__name__ == "_StandIn" or type(m).__module__ == "evo_l2l._lazy")
"""

LIBRARY_RUN = """
import json, os, random, signal, sys
import numpy as np
def on_term(signum, frame):
    pass
def on_int(signum, frame):
    pass
signal.signal(signal.SIGTERM, on_term)
signal.signal(signal.SIGINT, on_int)
env = dict(os.environ)
py_random, np_random = random.getstate(), np.random.get_state()

import evo_l2l
numba_at_import = "numba" in sys.modules
seen = []
out = evo_l2l.evolve("chalmers1990", n_generations=2, population=4,
                     callbacks=[lambda record: seen.append(record.generation)])
""" + NUMBA_PATCHED + """
print(json.dumps({
    "handlers": [signal.getsignal(signal.SIGTERM) is on_term,
                 signal.getsignal(signal.SIGINT) is on_int],
    "env_changed": sorted(set(os.environ.items()) ^ set(env.items())),
    "random_untouched": [random.getstate() == py_random,
                         all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), np_random))],
    "numba_at_import": numba_at_import,
    "kernels_used": "evo_l2l.kernels" in sys.modules,
    "stand_ins": stand_ins(), "numba_patched": numba_patched(),
    "status": out.run.status, "generations": seen, "best_rule": out.best_rule,
}))
"""


def test_import_and_a_library_run_leave_the_process_as_they_found_it():
    got = child(LIBRARY_RUN)
    assert got["status"] == "complete" and got["generations"] == [0, 1]
    assert got["best_rule"].startswith("dw = ") and got["kernels_used"]
    assert got["handlers"] == [True, True]            # the caller's own handlers, still
    assert got["env_changed"] == []                   # OMP_WAIT_POLICY stayed unset
    assert got["random_untouched"] == [True, True]
    assert got["numba_at_import"] is False
    assert got["stand_ins"] == [] and got["numba_patched"] == []


# A command added to the CLI group in the child: what the process looks like when a
# command starts (before it imports numba), and once it has imported the kernels.
CLI_PROBE = """
import json, os, sys
from evo_l2l.cli import entry, main
""" + NUMBA_PATCHED + """
at_import = {"omp": os.environ.get("OMP_WAIT_POLICY"), "stand_ins": stand_ins()}

@main.command("probe")
def probe():
    start = {"omp": os.environ.get("OMP_WAIT_POLICY"), "stand_ins": stand_ins(),
             "numba": "numba" in sys.modules}
    import evo_l2l.kernels
    print(json.dumps({"at_import": at_import, "start": start,
                      "numba_patched": numba_patched()}))

sys.argv = ["evo-l2l", "probe"]
entry()
"""


def test_the_command_line_configures_its_process_before_numba_starts():
    got = child(CLI_PROBE)
    assert got["at_import"] == {"omp": None, "stand_ins": []}    # importing the CLI: nothing
    assert got["start"] == {"omp": "PASSIVE", "stand_ins": ["moocore", "scipy", "yaml"],
                            "numba": False}
    assert len(got["numba_patched"]) == 4
    got = child(CLI_PROBE, OMP_WAIT_POLICY="ACTIVE")             # a value of the user's wins
    assert got["start"]["omp"] == "ACTIVE"


def _config(n_generations):
    return PRESETS["chalmers1990"].default_config(seed=1, population=10,
                                                  n_generations=n_generations)


def _assert_resumes_to_the_uninterrupted_run(path, done, tmp_path):
    assert resume_run(path, done + 5).status == "complete"
    ref = str(tmp_path / "ref.h5")
    start_run(_config(done + 5), ref)
    a, b = arrays_of(path), arrays_of(ref)
    a.pop("state/n_generations_target"); b.pop("state/n_generations_target")
    assert_same_arrays(a, b)


def test_a_keyboard_interrupt_in_a_library_run_leaves_a_resumable_archive(tmp_path):
    """Raised by a callback (deterministic): the archive keeps every generation the
    writer took, is closed as interrupted, and the caller's handlers were never touched."""
    import evo_l2l

    def stop_at_3(record):
        if record.generation == 3:
            raise KeyboardInterrupt
    path = str(tmp_path / "r.h5")
    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        evo_l2l.evolve(_config(1000), path, callbacks=[stop_at_3])
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == handlers
    run = open_run(path)
    assert run.status == "interrupted" and run.n_generations_done == 4
    _assert_resumes_to_the_uninterrupted_run(path, 4, tmp_path)


# SIGINT from another thread with Python's default handler: the KeyboardInterrupt lands
# wherever the run is (inside a generation, a kernel call or the writer).
CTRL_C = """
import json, os, signal, sys, threading, time
signal.signal(signal.SIGINT, signal.default_int_handler)
import evo_l2l
from evo_l2l.experiments import PRESETS

def press_ctrl_c():
    # As a user would: again if the run goes on, since Python drops a KeyboardInterrupt
    # that the default handler raises while a finaliser runs (h5py closes objects in them).
    for _ in range(20):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(2.0)

def ctrl_c_soon(record):
    if record.generation == 30:
        threading.Thread(target=press_ctrl_c, daemon=True).start()

# A tiny flush_interval: every generation is on disk before the callbacks see it.
config = PRESETS["chalmers1990"].default_config(seed=1, population=10, n_generations=20000,
                                                flush_interval=1e-9)
try:
    evo_l2l.evolve(config, sys.argv[1], callbacks=[ctrl_c_soon])
    raised = None
except BaseException as exc:          # KeyboardInterrupt (numba may wrap it in SystemError)
    raised = type(exc).__name__
print(json.dumps({"raised": raised}))
"""


def test_ctrl_c_in_a_library_run_leaves_a_resumable_archive(tmp_path):
    path = str(tmp_path / "c.h5")
    got = child(CTRL_C, path)
    assert got["raised"] in ("KeyboardInterrupt", "SystemError")
    run = open_run(path)
    assert run.status == "interrupted" and run.n_generations_done >= 30
    _assert_resumes_to_the_uninterrupted_run(path, run.n_generations_done, tmp_path)
