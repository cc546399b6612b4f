"""Start-up shortcuts for numba's first dispatch.

1. Loading a kernel from numba's disk cache first "refreshes" the CPU target:
   it imports and installs every lowering and typing registry numba has (about
   250, 0.2-0.3 s here), which only compiling needs; a cached kernel is machine
   code that needs numba's runtime (NRT) and the symbols numba registers when
   it is imported, and parallel kernels re-run their own set-up (reload_init).
   load_cached_without_refresh() makes the cache load initialise just the NRT;
   compiling still refreshes everything first (numba's compiler does that
   itself), so a cache miss compiles exactly as before.
2. That refresh imports numba.np.arraymath, which asks whether BLAS is there by
   importing scipy.linalg (numba.np.linalg.ensure_blas, about a third of a
   second), and no kernel of evo_l2l calls BLAS. skip_blas_probe() imports
   arraymath once with that question answered by whether scipy is installed
   (importlib's find_spec, which imports nothing), then puts numba's own probe
   back, so any code that does compile np.dot or np.linalg still imports and
   checks scipy when it is compiled. It runs just before the first refresh.

3. Before a dispatcher's first compile or cache load numba runs every installed
   package's `numba_extensions` entry point (entrypoints.init_all), which first lists
   the entry points of every installed distribution (about 20 ms here). The kernels of
   evo_l2l.kernels take arrays and scalars only, never a type an extension adds, so
   skip_extensions_for_own_kernels() lets their dispatchers skip that step; any other
   dispatcher still runs it, so extensions load as before for code that may use them.

4. Defining a function with @njit(cache=True) checks that its cache folder is writable by
   creating and deleting a temporary file there (numba's _CacheLocator.ensure_cache_path,
   about 0.14 ms), once per function: some 70 kernels at import, all in one folder.
   check_cache_folders_once() remembers a folder that passed, for this process, as long as
   it exists; a folder that failed is asked again, as before.

Nothing a kernel computes changes (tests/test_startup.py). If numba's layout
differs from what this expects, each shortcut does nothing.

They patch numba for the whole process, so only a process that asks for them gets them:
evo_l2l.configure_process() (which the command line calls) has apply_shortcuts() run when
evo_l2l.kernels is imported, before any kernel is defined.
"""
import importlib.util
import os
import sys


def _scipy_installed() -> None:
    if importlib.util.find_spec("scipy") is None:
        raise ImportError("scipy 0.16+ is required for linear algebra")


def skip_blas_probe() -> bool:
    """True if numba.np.arraymath was imported here without importing scipy."""
    if "numba.np.arraymath" in sys.modules:
        return False
    try:
        from numba.np import linalg
        real = linalg.ensure_blas
    except (ImportError, AttributeError):
        return False
    linalg.ensure_blas = _scipy_installed
    try:
        import numba.np.arraymath  # noqa: F401
    finally:
        linalg.ensure_blas = real
    return True


def _replace(owner, name: str, make) -> bool:
    """owner.name = make(original), once: the replacement is marked, and a marked attribute
    is left as it is. True (for the callers' `return`)."""
    original = getattr(owner, name)
    if not getattr(original, "evo_l2l", False):
        replacement = make(original)
        replacement.evo_l2l = True
        setattr(owner, name, replacement)
    return True


def load_cached_without_refresh() -> bool:
    """True if numba's cache loads and target refreshes were wrapped here (see 1 and 2
    in the module's docstring); False if numba's layout is not the one expected."""
    try:
        from numba.core import caching, cpu
        from numba.core.runtime import rtsys
        cache, context = caching.Cache, cpu.CPUContext
        cache._load_overload, cache._guard_against_spurious_io_errors  # noqa: B018
        context.load_additional_registries, cache.load_overload  # noqa: B018
    except (ImportError, AttributeError):
        return False

    def cached_load(_original):
        def load_overload(self, sig, target_context):
            rtsys.initialize(target_context)
            with self._guard_against_spurious_io_errors():
                return self._load_overload(sig, target_context)
        return load_overload

    def refresh_without_blas_probe(refresh):
        def load_additional_registries(self):
            skip_blas_probe()
            refresh(self)
        return load_additional_registries

    _replace(context, "load_additional_registries", refresh_without_blas_probe)
    return _replace(cache, "load_overload", cached_load)


OWN_KERNELS = "evo_l2l.kernels."


def skip_extensions_for_own_kernels() -> bool:
    """True if the dispatchers of evo_l2l.kernels no longer run numba's extension entry
    points (3 in the module's docstring); False if numba's layout is not the one expected."""
    try:
        from numba.core import dispatcher
        base = dispatcher._DispatcherBase
        base._compilation_chain_init_hook  # noqa: B018
    except (ImportError, AttributeError):
        return False

    def own_kernels_skip(hook):
        def init_hook(self):
            if not getattr(getattr(self, "py_func", None), "__module__", "").startswith(
                    OWN_KERNELS):
                hook(self)
        return init_hook

    return _replace(base, "_compilation_chain_init_hook", own_kernels_skip)


def check_cache_folders_once() -> bool:
    """True if numba's cache-folder check now runs once per folder (4 in the module's
    docstring); False if numba's layout is not the one expected."""
    try:
        from numba.core import caching
        locator = caching._CacheLocator
        locator.ensure_cache_path  # noqa: B018
    except (ImportError, AttributeError):
        return False

    def once_per_folder(check):
        passed: set = set()

        def ensure_cache_path(self):
            path = self.get_cache_path()
            if path in passed and os.path.isdir(path):
                return
            check(self)
            passed.add(path)
        return ensure_cache_path

    return _replace(locator, "ensure_cache_path", once_per_folder)


def apply_shortcuts() -> None:
    """All four shortcuts (each once per process)."""
    check_cache_folders_once()
    load_cached_without_refresh()
    skip_extensions_for_own_kernels()
