"""Modules that two dependencies import at start-up and a run never uses, loaded when
first used instead.

- yaml: numba's config imports it to read a `.numba_config.yaml` in the working folder,
  if there is one (about 40 ms here); when there is, numba reads yaml.safe_load and yaml
  loads then.
- moocore: DEAP's tools import it for the hypervolume indicator (about 30 ms), which no
  optimizer here uses.

Until then sys.modules holds a stand-in module with the real module's spec, so an
`import` statement binds it without loading anything. (The standard library's
importlib.util.LazyLoader cannot do this on Python 3.11: the import statement reads the
module's __spec__, which makes LazyLoader load it.) The first attribute read the
stand-in does not have imports the real module, which replaces the stand-in in
sys.modules and is copied into it, so code holding either sees the same module. A module
already imported, or not installed, is left alone. tests/test_lazy_imports.py.
"""
from __future__ import annotations

import importlib
import importlib.util
import sys
import threading
import types

DEFERRED = ("yaml", "moocore")
_lock = threading.RLock()


class _StandIn(types.ModuleType):
    def __getattr__(self, attr: str):
        # Only called for attributes the stand-in does not have: load the real module.
        real = _load(self)
        return getattr(real, attr)


def _load(stand_in: _StandIn) -> types.ModuleType:
    name = stand_in.__name__
    with _lock:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
            try:
                real = importlib.import_module(name)
            except BaseException:
                sys.modules.setdefault(name, stand_in)
                raise
        else:
            real = sys.modules.get(name) or importlib.import_module(name)
        if real is not stand_in:
            stand_in.__dict__.update(real.__dict__)
    return real


def defer(name: str) -> bool:
    """True if `name` is now a stand-in in sys.modules, loaded on first use."""
    if name in sys.modules:
        return False
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return False
    if spec is None:
        return False
    stand_in = _StandIn(name)
    stand_in.__spec__ = spec
    stand_in.__loader__ = spec.loader
    stand_in.__file__ = spec.origin
    sys.modules[name] = stand_in
    return True


def defer_unused() -> None:
    for name in DEFERRED:
        defer(name)
