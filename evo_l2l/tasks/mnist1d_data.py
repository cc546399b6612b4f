"""MNIST-1D (Greydanus & Kobak 2020), generated locally: the second, harder real domain.

`mnist1d.data.make_dataset()` builds the 5000 signals (10 classes, 40 samples each) from
templates with its fixed seed 42; it never downloads (`get_dataset()` does, and is not
used). It seeds the global `random` and `np.random` generators as it goes, so their states
are saved and restored around the call: DEAP draws from `random`, and a run's exactness
and resumability depend on nobody else reseeding it.
"""
from __future__ import annotations

import functools
import hashlib
import random

import numpy as np


@functools.lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
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
    x.flags.writeable = False
    y.flags.writeable = False
    return x, y


def signals() -> tuple[np.ndarray, np.ndarray]:
    """(signals (5000, 40) f8, labels (5000,) i8 in 0..9), read-only."""
    return _load()


def data_identity() -> dict:
    from importlib.metadata import version
    x, y = signals()
    h = hashlib.sha256()
    h.update(x.astype("<f8").tobytes())
    h.update(y.astype("<i8").tobytes())
    return {"name": "mnist1d.data.make_dataset", "version": version("mnist1d"),
            "sha256": h.hexdigest()}
