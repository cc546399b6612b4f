"""Modules that two dependencies import at start-up and a run never uses, loaded when
first used instead.

- yaml: numba's config imports it to read a `.numba_config.yaml` in the working folder,
  if there is one (about 40 ms here); when there is, numba reads yaml.safe_load and yaml
  loads then.
- moocore: DEAP's tools import it for the hypervolume indicator (about 30 ms), which no
  optimizer here uses.
- scipy: numba's import reads scipy.__version__ (it refuses scipy < 1.0), which imports
  scipy (about 12 ms); the stand-in answers __version__ from scipy/version.py, and scipy
  loads when anything else of it is used (scikit-learn, numba compiling BLAS calls).

Until then sys.modules holds a stand-in module with the real module's spec, so an
`import` statement binds it without loading anything. (The standard library's
importlib.util.LazyLoader cannot do this on Python 3.11: the import statement reads the
module's __spec__, which makes LazyLoader load it.) The first attribute read the
stand-in does not have imports the real module, which replaces the stand-in in
sys.modules and is copied into it, so code holding either sees the same module. A module
already imported, or not installed, is left alone. tests/test_lazy_imports.py.

Stand-ins change sys.modules for the whole process: only evo_l2l.configure_process()
(which the command line calls) installs them; importing evo_l2l does not.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
import re
import sys
import threading
import types

DEFERRED = ("yaml", "moocore", "scipy")
# Deferred packages whose __version__ the stand-in reads from a file of theirs, unloaded.
_VERSION_FILES = {"scipy": "version.py"}
_lock = threading.RLock()


class _StandIn(types.ModuleType):
    def __getattr__(self, attr: str):
        # Only called for attributes the stand-in does not have: load the real module.
        if attr == "__version__":
            version = _version_from_file(self)
            if version is not None:
                self.__version__ = version
                return version
        real = _load(self)
        return getattr(real, attr)


def _version_from_file(stand_in: _StandIn) -> str | None:
    """`version = "..."` of the package's version file, or None (then the module loads)."""
    spec = stand_in.__dict__.get("__spec__")
    name = _VERSION_FILES.get(stand_in.__name__)
    if name is None or spec is None or not spec.submodule_search_locations:
        return None
    try:
        with open(os.path.join(list(spec.submodule_search_locations)[0], name)) as f:
            found = re.search(r"""^version\s*=\s*["']([^"']+)["']""", f.read(), re.M)
    except OSError:
        return None
    return found.group(1) if found else None


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
    """Defers each module of DEFERRED that is installed and not yet imported."""
    for name in DEFERRED:
        defer(name)
