"""Start-up shortcut for numba's first dispatch.

The first call of any compiled kernel makes numba load its CPU target
registries, which imports numba.np.arraymath; that module asks at import
whether BLAS is there by importing scipy.linalg (numba.np.linalg.ensure_blas),
which costs about a third of a second, more than anything else in a short run,
and no kernel of evo_l2l calls BLAS. skip_blas_probe() imports arraymath once
with that question answered by whether scipy is installed (importlib's
find_spec, which imports nothing), then puts numba's own probe back, so any
code that does compile np.dot or np.linalg still imports and checks scipy when
it is compiled. Nothing a kernel computes changes (tests/test_startup.py).
If numba's layout differs from what this expects, it does nothing.
"""
import importlib.util
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
