"""What a command-line process installs for itself, which the library never does on its
own: configure_process() (re-exported as evo_l2l.configure_process), and the flag
evo_l2l.kernels reads when it is imported. Only standard-library imports here, so the
kernels can read the flag without importing anything else of evo_l2l."""
import os
import sys

# Set by configure_process(): evo_l2l.kernels applies _startup's shortcuts when imported.
numba_shortcuts = False

# Signals the process was started with ignored, as a shell starts `cmd &` (SIGINT) or
# nohup does (SIGHUP): the command line adds them here (cli/__init__.py), and a run that
# handles signals keeps ignoring them rather than taking them over (evolution/run.py).
KEEP_IGNORED: set = set()


def configure_process() -> None:
    """What the command line does at start-up; call it in a script that wants the same
    start-up speed and thread behaviour, first thing (before numba is imported). It changes
    the whole process, for good:

    - OMP_WAIT_POLICY=PASSIVE, unless the environment sets it: numba's parallel kernels run
      on OpenMP threads, which by default spin while they wait for work; beside another
      busy process on a small machine the spinning threads steal the core the working
      thread needs (a whole chalmers1990 run took twice as long as with one thread), while
      passive waiting keeps the quiet speed (`python scripts/bench_inner.py --contention`).
      It takes effect only if set before numba starts its thread pool.
    - yaml, moocore and scipy, which numba and DEAP import at start-up and a run never
      uses, become stand-ins in sys.modules that load the real module when first used
      (evo_l2l/_lazy.py).
    - numba's first dispatch of evo_l2l's kernels skips work a cached kernel does not need
      (evo_l2l/kernels/_startup.py), applied when evo_l2l.kernels is imported, or now if it
      already is; nothing a kernel computes changes.

    Calling it again does nothing more."""
    global numba_shortcuts
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    from ._lazy import defer_unused
    defer_unused()
    numba_shortcuts = True
    if "evo_l2l.kernels" in sys.modules:
        from .kernels._startup import apply_shortcuts
        apply_shortcuts()
