"""scikit-learn's bundled handwritten digits, offline, with the identity a run records.

`sklearn.datasets.load_digits` reads 1797 8x8 images (pixel values 0..16) that ship inside
the scikit-learn wheel; it never downloads (every `fetch_*` does, and none is used here).
They are read here as load_digits reads them (the wheel's datasets/data/digits.csv.gz by
np.loadtxt: the same arrays, tests/test_digits_tasks.py) without importing scikit-learn,
whose import took 1-12 s of commands that need nothing else of it, by the machine's load.
A run records the data it used as `data_identity()`: the loader, scikit-learn's version and
the sha256 of the arrays, so an archive names its data without copying the data set.
"""
from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
from pathlib import Path

import numpy as np

N_PIXELS = 64
N_DIGITS = 10
N_ROTATIONS = 4


@functools.lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    spec = importlib.util.find_spec("sklearn")
    path = (Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
            if spec is not None and spec.origin else None)
    if path is None or not path.exists():   # a core dependency; a broken install says so
        from ..errors import ConfigError
        raise ConfigError("the digits task families need scikit-learn (pip install "
                          "scikit-learn)")
    with gzip.open(path, mode="rt", encoding="utf-8") as f:
        data = np.loadtxt(f, delimiter=",")
    images = np.ascontiguousarray(data[:, :-1].reshape(-1, 8, 8), dtype=np.float64)
    labels = np.ascontiguousarray(data[:, -1].astype(int), dtype=np.int64)
    images.flags.writeable = False
    labels.flags.writeable = False
    return images, labels


def digits() -> tuple[np.ndarray, np.ndarray]:
    """(images (1797, 8, 8) f8 in 0..16, labels (1797,) i8 in 0..9), read-only."""
    return _load()


def data_identity() -> dict:
    """{'name', 'version', 'sha256'} of the digits as loaded here (sha256 of the images'
    then the labels' bytes, float64 and int64, C order, little-endian)."""
    from importlib.metadata import version
    images, labels = digits()
    h = hashlib.sha256()
    h.update(images.astype("<f8").tobytes())
    h.update(labels.astype("<i8").tobytes())
    return {"name": "sklearn.datasets.load_digits", "version": version("scikit-learn"),
            "sha256": h.hexdigest()}


def rotated(images: np.ndarray, k: int) -> np.ndarray:
    """The (n, 8, 8) images turned by k quarter turns (counter-clockwise)."""
    return np.rot90(images, k, axes=(1, 2))


def standardiser(pixels: np.ndarray):
    """(per-pixel mean (64,), one global scale) of (n, 64) pixels.

    One scale for every pixel, not a per-pixel std: distances between images stay those of
    the raw pixels up to a factor, so nearest-neighbour baselines see the data as it is
    (per-pixel scaling blows up the border pixels that are nearly always 0 and cost 1-NN
    8 points on rot_digits 5-way 1-shot: 0.70 against 0.78).
    """
    mean = pixels.mean(axis=0)
    return mean, float(np.sqrt(np.mean((pixels - mean) ** 2)))


def split_images(rng: np.random.Generator, n: int, fractions: tuple[float, ...]) -> list:
    """A random partition of range(n) into parts of the given fractions (the last takes the
    rest), each sorted."""
    order = rng.permutation(n)
    cuts = np.cumsum([int(round(f * n)) for f in fractions[:-1]])
    return [np.sort(part) for part in np.split(order, cuts)]
