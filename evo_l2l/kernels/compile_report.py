"""Telling a caller when numba compiles one of evo_l2l's kernels, and how long that took.

A kernel is compiled on its first call when numba's on-disk cache has no machine code for it
(a fresh install, a new numba, a cache folder of its own: NUMBA_CACHE_DIR); a cached kernel
loads in milliseconds and is not reported. Nothing is reported unless a caller asks, inside
`reporting_compiles(on_start, on_end)`: the library itself prints nothing (the command line
prints a line per kernel on stderr).

EXPECTED_SECONDS is how long each kernel took to compile with a cold cache on a 2-core AMD
EPYC beside other jobs (load 4 to 11): the longer of two runs of
`nice -n 15 python scripts/kernel_compile_times.py PRESET...`, one over the first ten presets
(chalmers1990 to bengio1991-conditioning-gp), one over the rest; each warms its presets as
`evo-l2l warmup` does, in its order, then runs each for one toy generation, in an empty
NUMBA_CACHE_DIR of its own (a helper two kernels call counts in the first one's time).
17 kernels, 509 s in all. On a quiet machine they compile faster (single_layer's kernel
alone: 14.8 s with `python scripts/kernel_compile_times.py chalmers1990` at load 3).
"""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from typing import Callable

OWN_KERNELS = "evo_l2l.kernels."
# The machine EXPECTED_SECONDS was measured on, as messages name it.
MEASURED_ON = "a 2-core AMD EPYC"

# kernel name (module.function below evo_l2l.kernels) -> seconds to compile, cold cache: the
# compile lines of `evo-l2l warmup -j 2` on an empty cache, quiet (breed and live_pack_rows:
# scripts/kernel_compile_times.py beside other jobs; program_jobs, breed, probe_outputs,
# hidden_codes and train_programs_episodes: the CPU seconds that script prints for
# automl-zero-linear and fewshot-digits-gp beside other jobs, load 3).
EXPECTED_SECONDS: dict[str, float] = {
    "baselines.backprop_mlp": 9.2,
    "baselines.nearest_centroid": 0.8,
    "baselines.sgd_logistic": 1.5,
    "conditioning.train_conditioning_population": 3.7,
    "episode_net.train_episode_population": 13.7,
    "ga_bits.bit_generations": 4.5,
    "linear_neuron.train_volterra_population": 5.8,
    "metaplastic.train_metaplastic_population": 15.4,
    "mixed_two_layer.train_mixed_two_layer": 6.5,
    "mlp_train.train": 14.0,
    "program_breeding.breed": 4.2,
    "programs.live_pack_rows": 1.8,
    "programs.live_rows": 1.0,
    "programs.program_jobs": 17.9,
    "single_layer.train_chalmers_population": 7.9,
    "single_layer_groups.train_chalmers_jobs": 7.8,
    "single_layer_groups.train_chalmers_jobs_serial": 4.2,
    "srwm.srwm_episodes": 4.5,
    "symbolic.probe_outputs": 3.1,
    "symbolic.train_programs": 8.6,
    "symbolic_episode.hidden_codes": 7.2,
    "symbolic_episode.train_programs_episodes": 14.0,
    "symbolic_nets.train_programs_conditioning": 5.2,
    "symbolic_nets.train_programs_two_layer": 9.3,
    "two_layer.train_two_layer_population": 7.8,
}


def kernel_name(dispatcher) -> str | None:
    """'module.function' of a dispatcher of evo_l2l.kernels, None for anyone else's."""
    func = getattr(dispatcher, "py_func", None)
    module = getattr(func, "__module__", "") or ""
    if not module.startswith(OWN_KERNELS):
        return None
    return f"{module[len(OWN_KERNELS):]}.{func.__qualname__}"


def expected_seconds(name: str) -> float | None:
    """How long the kernel took to compile where EXPECTED_SECONDS was measured (None: not
    measured)."""
    return EXPECTED_SECONDS.get(name)


class _Report:
    """numba's "numba:compile" events, only the outermost one of evo_l2l's kernels: the
    helpers a kernel calls are compiled inside its own compile and count in its time."""

    def __init__(self, on_start, on_end):
        self.on_start_cb, self.on_end_cb = on_start, on_end
        self.local = threading.local()

    def _stack(self) -> list:
        if not hasattr(self.local, "stack"):
            self.local.stack = []
        return self.local.stack

    def on_start(self, event) -> None:
        self.notify(event)

    def on_end(self, event) -> None:
        self.notify(event)

    def notify(self, event) -> None:
        stack = self._stack()
        if event.is_start:
            name = kernel_name(event.data.get("dispatcher")) if event.data else None
            stack.append((name, time.perf_counter()))
            if name is not None and len(stack) == 1 and self.on_start_cb is not None:
                self.on_start_cb(name, expected_seconds(name))
        elif event.is_end and stack:
            name, t0 = stack.pop()
            if name is not None and not stack and self.on_end_cb is not None:
                self.on_end_cb(name, time.perf_counter() - t0)


@contextmanager
def reporting_compiles(on_start: Callable[[str, float | None], None] | None = None,
                       on_end: Callable[[str, float], None] | None = None):
    """Within the block, on_start(kernel, expected seconds or None) when numba starts
    compiling a kernel of evo_l2l.kernels (not when it loads one from its cache) and
    on_end(kernel, seconds) when it is done, in the thread that compiles it. Only this
    block's listener is installed, and removed on the way out."""
    from numba.core import event

    class Listener(_Report, event.Listener):   # numba takes instances of its Listener only
        pass

    listener = Listener(on_start, on_end)
    event.register("numba:compile", listener)
    try:
        yield listener
    finally:
        event.unregister("numba:compile", listener)
