"""A time limit on sympy's work, which legal trees can stretch to minutes: a timer
(SIGALRM) interrupts it on the main thread; elsewhere only small trees and expressions
reach sympy."""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time

from .primitives import TRANSCENDENTAL

# sympy gets this many seconds per rule (formula, known_form); then the rule
# is shown unsimplified (or as its tree text) and matches no known form.
# Legal trees can keep sympy busy for minutes: simplify on
# square(square(square(square(square(add(a, add(o, add(t, w)))))))), and
# merely building tanh(tanh(...(a))) nested 9 deep.
SIMPLIFY_SECONDS = 3.0
# Without a timer (not on the main thread, no SIGALRM, a timer already
# running) sympy sees only small trees and expressions.
UNTIMED_MAX_NODES = 40
UNTIMED_MAX_TRANSCENDENTAL_DEPTH = 3
UNTIMED_MAX_OPS = 40
UNTIMED_MAX_POWER = 8


class SympyTimeout(BaseException):
    """Raised by the timer in sympy's work; a BaseException, so sympy's own
    `except Exception` blocks let it through."""


# llvmlite's binding package: LLVM calls Python back through ctypes from there (numba's
# object cache while a kernel compiles), and an exception raised in a ctypes callback is
# printed and dropped, after which numba fails with "no compiled object yet".
_LLVMLITE_BINDING = os.sep + os.path.join("llvmlite", "binding") + os.sep


def in_finaliser(frame) -> bool:
    """Whether the interrupted code runs inside a finaliser, a weakref callback, a
    garbage-collector callback or llvmlite's bindings (anywhere up its stack), where Python
    would print and drop an exception instead of raising it (ctypes callbacks)."""
    import gc
    callbacks = {getattr(cb, "__code__", None) for cb in gc.callbacks}
    while frame is not None:
        code = frame.f_code
        if (code.co_name == "__del__" or code in callbacks
                or code.co_filename.endswith(("weakref.py", "_weakrefset.py"))
                or _LLVMLITE_BINDING in code.co_filename):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _time_limit(seconds: float):
    """Yields True and raises SympyTimeout in the block after `seconds` (then every
    0.25 s, should sympy swallow one), or yields False when no timer can be set:
    not on the main thread, or no setitimer. A timer already running (such as
    pytest-timeout's) is suspended and restored, less the time spent; if it
    is due first, it keeps running and the block is untimed."""
    if not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield False
        return
    outer_left, outer_interval = signal.getitimer(signal.ITIMER_REAL)
    if 0 < outer_left <= seconds:
        yield False
        return
    armed = [True]

    def on_alarm(signum, frame):
        # Not inside a finaliser or weakref callback (a garbage collection
        # that sympy triggered): Python would print and drop the exception
        # there. The next alarm, 0.25 s on, tries again.
        if armed[0] and not in_finaliser(frame):
            raise SympyTimeout

    t0 = time.monotonic()
    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds, 0.25)
    try:
        yield True
    finally:
        while True:         # a late alarm must not skip the clean-up
            try:
                armed[0] = False
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old)
                if outer_left > 0:
                    signal.setitimer(signal.ITIMER_REAL,
                                     max(outer_left - (time.monotonic() - t0), 1e-3), outer_interval)
                break
            except SympyTimeout:
                continue


def _small_tree(tree) -> bool:
    """Where no timer runs: few nodes, transcendental functions nested at most 3 deep."""
    if len(tree) > UNTIMED_MAX_NODES:
        return False
    stack = []              # transcendental depth of the open nodes' ancestors, per node
    remaining = []
    depth = deepest = 0
    for node in tree:
        d = depth + (node.name in TRANSCENDENTAL)
        deepest = max(deepest, d)
        if node.arity:
            stack.append(depth)
            remaining.append(node.arity)
            depth = d
        else:
            while remaining:
                remaining[-1] -= 1
                if remaining[-1]:
                    break
                remaining.pop()
                depth = stack.pop()
    return deepest <= UNTIMED_MAX_TRANSCENDENTAL_DEPTH


def _small_expr(expr) -> bool:
    """Where no timer runs: few operations and no high powers."""
    import sympy
    if sympy.count_ops(expr) > UNTIMED_MAX_OPS:
        return False
    return all(not (p.exp.is_Number and abs(p.exp) > UNTIMED_MAX_POWER)
               for p in expr.atoms(sympy.Pow))
