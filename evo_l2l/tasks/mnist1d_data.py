"""MNIST-1D (Greydanus & Kobak 2020), generated locally: the second, harder real domain.

`mnist1d.data.make_dataset()` builds the 5000 signals (10 classes, 40 samples each) from
templates with its fixed seed 42; it never downloads (`get_dataset()` does, and is not
used). It seeds the global `random` and `np.random` generators as it goes, so their states
are saved and restored around the call: DEAP draws from `random`, and a run's exactness
and resumability depend on nobody else reseeding it.

Making the set takes seconds (5000 signals, each interpolated and filtered by scipy: 4 to
26 s on this project's 2-core machine, by the other jobs' load), so the first use keeps it in the cache folder of the
glyphs (tasks/glyphs.cache_dir()), under a name of the mnist1d, NumPy and SciPy versions
that made it, with the sha256 of its arrays; later uses read it there, and make it again
where the file is missing, unreadable or not the bytes its sha256 names.
"""
from __future__ import annotations

import functools
import hashlib
import os
import random
import zipfile

import numpy as np


def _digest(x: np.ndarray, y: np.ndarray) -> str:
    h = hashlib.sha256()
    h.update(x.astype("<f8").tobytes())
    h.update(y.astype("<i8").tobytes())
    return h.hexdigest()


def cache_path():
    """Where the generated set is kept: the versions that make its bytes are in the name."""
    from importlib.metadata import version
    from .glyphs import cache_dir
    return cache_dir() / (f"mnist1d-{version('mnist1d')}-numpy{np.__version__}-"
                          f"scipy{version('scipy')}.npz")


def _read(path) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        with np.load(path, allow_pickle=False) as f:
            x, y, sha = f["x"], f["y"], str(f["sha256"])
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return None                              # missing, unreadable or partial
    return (x, y) if _digest(x, y) == sha else None


def _write(path, x: np.ndarray, y: np.ndarray) -> None:
    """Atomically (a temporary file, then a rename); a folder that cannot be written leaves
    the set uncached, not the caller without it."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            np.savez(f, x=x, y=y, sha256=np.array(_digest(x, y)))
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


@functools.lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    cached = _read(cache_path())
    if cached is None:
        cached = _make()
        _write(cache_path(), *cached)
    x, y = (np.ascontiguousarray(a) for a in cached)
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def _make() -> tuple[np.ndarray, np.ndarray]:
    try:
        from mnist1d.data import get_dataset_args, make_dataset
    except ImportError:
        from ..errors import ConfigError
        raise ConfigError("dataset mnist1d needs the mnist1d package (pip install mnist1d)") from None
    py_state, np_state = random.getstate(), np.random.get_state()
    try:
        d = make_dataset(get_dataset_args())
    finally:
        random.setstate(py_state)
        np.random.set_state(np_state)
    x = np.ascontiguousarray(np.vstack([d["x"], d["x_test"]]), dtype=np.float64)
    y = np.ascontiguousarray(np.concatenate([d["y"], d["y_test"]]), dtype=np.int64)
    return x, y


def signals() -> tuple[np.ndarray, np.ndarray]:
    """(signals (5000, 40) f8, labels (5000,) i8 in 0..9), read-only."""
    return _load()


def data_identity() -> dict:
    from importlib.metadata import version
    x, y = signals()
    return {"name": "mnist1d.data.make_dataset", "version": version("mnist1d"),
            "sha256": _digest(x, y)}
