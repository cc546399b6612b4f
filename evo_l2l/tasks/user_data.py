"""Bring your own data: class datasets from a user's files, and the digits as a test domain.

`load_class_data` reads an `.npz` or HDF5 file of arrays (`x`, `label`, optional `group`
and `split`) or a folder of PNGs in Omniglot's layout, and returns a `ClassData` whose
identity names the file and the sha256 of what was loaded. Anything malformed is a
`ConfigError` of one line naming the file, so the command line can print it as is.
`digit_classes` turns scikit-learn's bundled digits into a one-alphabet evaluation set, for
meta-training on glyphs and testing on digits.
"""
from __future__ import annotations

import os
import zipfile
from pathlib import Path

import numpy as np

from ..errors import ConfigError
from .class_data import SPLITS, ClassData, digest

FIELDS = ("x", "label", "group", "split")
OMNIGLOT_FOLDERS = ("images_background", "images_evaluation")
VALIDATION_EVERY = 6        # every 6th background alphabet (sorted) is a validation alphabet

# The readers below catch Exception around the decoder calls alone (np.load, h5py, Pillow):
# a damaged file fails wherever its bytes stop making sense, with zipfile.BadZipFile, OSError,
# ValueError, KeyError, EOFError, zlib.error, even tokenize.TokenError from NumPy's header
# parser; each means "this file cannot be read", said in one line naming it.


def load_class_data(path: str | Path, size: int | None = None) -> ClassData:
    """A ClassData from an `.npz` / `.h5` / `.hdf5` file or an Omniglot-layout folder.

    Parameters
    ----------
    path : str or Path
        A file with arrays `x` ((n, h, w) images, uint8 0..255 or float in [0, 1]; or
        (n, d) vectors), `label` (n,) ints or strings, optional `group` (n,) alphabet of each
        row and `split` (n,) in SPLITS or 0/1/2, both constant within a class; or a folder
        ROOT/images_background/ALPHABET/CHARACTER/*.png and/or ROOT/images_evaluation/...
        (ROOT may be one of those two folders, or hold ALPHABET folders directly).
    size : int, optional
        Resize images to size x size (Pillow bilinear); ignored for vectors.

    Returns
    -------
    ClassData
        Classes in the sorted order of the original labels (files) or of alphabet then
        character (folders); identity {'name': 'user:' + basename, 'version': '',
        'sha256': digest(x, label, group[, split])}: the split is part of the data's
        identity, since it decides which classes are evaluated.

    Raises
    ------
    ConfigError
        One line naming the file and what is wrong with it.
    """
    if size is not None:
        _check_size(size)
    path = Path(path)
    if path.is_dir():
        x, label, group, class_names, group_names, split = _from_folder(path, size)
    elif not path.exists():
        raise ConfigError(f"{path}: no such file or folder")
    else:
        suffix = path.suffix.lower()
        if suffix == ".npz":
            arrays = _read_npz(path)
        elif suffix in (".h5", ".hdf5"):
            arrays = _read_h5(path)
        else:
            raise ConfigError(f"{path}: unknown kind of data file {suffix or '(no extension)'!r};"
                              f" expected .npz, .h5, .hdf5 or an Omniglot-layout folder")
        x, label, group, class_names, group_names, split = _from_arrays(path, arrays, size)
    if len(class_names) < 2:
        n = len(class_names)
        raise ConfigError(f"{path}: {n} class{'' if n == 1 else 'es'}; a class data set needs "
                          f"at least 2")
    # abspath, not resolve: "." gets its folder's name, a symlink keeps the name it was given
    parts = (x, label, group) if split is None else (x, label, group, split)
    identity = {"name": "user:" + Path(os.path.abspath(path)).name, "version": "",
                "sha256": digest(*parts)}
    return ClassData(x, label, group, tuple(class_names), tuple(group_names), identity, split)


def digit_classes(size: int) -> ClassData:
    """scikit-learn's digits as 10 classes of one alphabet 'digits', all 'evaluation'.

    A cross-domain test set, never meta-trained on: images are scaled from 0..16 to uint8
    (round(x / 16 * 255)) and resized to size x size (Pillow bilinear).

    Parameters
    ----------
    size : int
        Image side after resizing (8 keeps the original resolution).

    Returns
    -------
    ClassData
        1797 images; identity is digits_data.data_identity() plus 'size'.
    """
    from . import digits_data as dd
    _check_size(size)
    images, labels = dd.digits()
    x = _resize(np.rint(images / 16.0 * 255.0).astype(np.uint8), size)
    return ClassData(x, np.array(labels, dtype=np.int64), np.zeros(dd.N_DIGITS, np.int64),
                     tuple(str(d) for d in range(dd.N_DIGITS)), ("digits",),
                     dict(dd.data_identity(), size=int(size)),
                     np.full(dd.N_DIGITS, SPLITS.index("evaluation"), np.int8))


# ---- files of arrays ------------------------------------------------------------------

def _check_size(size) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise ConfigError(f"image size must be a positive integer, got {size!r}")


def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split()) or type(err).__name__


def _read_npz(path: Path) -> dict:
    """The FIELDS present in an npz archive, read without unpickling anything."""
    # np.load takes any other file for a pickle and says so: misleading for a damaged .npz
    if not zipfile.is_zipfile(path):
        raise ConfigError(f"{path}: not a readable .npz archive (not a complete zip file; "
                          f"write it with np.savez(path, x=..., label=...))")
    try:
        z = np.load(path, allow_pickle=False)
    except Exception as e:
        raise ConfigError(f"{path}: not a readable .npz archive ({_one_line(e)})") from None
    out, bad = {}, None
    with z:
        for k in FIELDS:
            if k not in z.files:
                continue
            try:
                out[k] = z[k]
            except ValueError as e:
                bad = (f"array {k!r} holds Python objects, which are not loaded (save strings "
                       f"as a str array, not dtype=object)" if "allow_pickle" in str(e)
                       else f"array {k!r} is unreadable ({_one_line(e)})")
            except Exception as e:
                bad = f"array {k!r} is unreadable ({_one_line(e)})"
            if bad:
                raise ConfigError(f"{path}: {bad}")
    return out


def _read_h5(path: Path) -> dict:
    """The FIELDS present as datasets at the root of an HDF5 file."""
    import h5py
    out, bad = {}, None
    try:
        with h5py.File(path, "r") as f:
            for k in FIELDS:
                if k not in f:
                    continue
                if not isinstance(f[k], h5py.Dataset):
                    bad = f"{k!r} is an HDF5 group, not a dataset"
                    break
                out[k] = f[k][()]
    except Exception as e:
        raise ConfigError(f"{path}: not a readable HDF5 file ({_one_line(e)})") from None
    if bad:
        raise ConfigError(f"{path}: {bad}")
    return out


def _values(path: Path, name: str, a) -> np.ndarray:
    """A 1-D array of ints, bools or str (HDF5 strings arrive as bytes: decoded as UTF-8)."""
    a = np.asarray(a)
    if a.ndim != 1:
        raise ConfigError(f"{path}: {name} must be 1-D, got shape {a.shape}")
    if a.dtype.kind in "SO":
        if not all(isinstance(v, (bytes, str)) for v in a):
            raise ConfigError(f"{path}: {name} must hold ints or strings")
        try:
            return np.array([v.decode("utf-8") if isinstance(v, bytes) else v for v in a],
                            dtype=str)
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: {name} holds strings that are not UTF-8") from None
    if a.dtype.kind == "f":     # integral floats (some tools save every number as float)
        if not (np.all(np.isfinite(a)) and np.all(a == np.round(a))):
            raise ConfigError(f"{path}: {name} must hold ints or strings, got non-integer "
                              f"floats")
        return a.astype(np.int64)
    if a.dtype.kind not in "biuU":
        raise ConfigError(f"{path}: {name} must hold ints or strings, got dtype {a.dtype}")
    return a


def _images_or_vectors(path: Path, x, size: int | None) -> np.ndarray:
    """(n, h, w) uint8 images (resized to size) or (n, d) float vectors, checked."""
    x = np.asarray(x)
    if x.ndim not in (2, 3):
        raise ConfigError(f"{path}: x must be (n, h, w) images or (n, d) vectors, got shape "
                          f"{x.shape}")
    if x.dtype.kind not in "iuf":
        raise ConfigError(f"{path}: x must be numeric (uint8 or float), got dtype {x.dtype}")
    if 0 in x.shape[1:]:
        raise ConfigError(f"{path}: x has an empty dimension, shape {x.shape}")
    if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
        raise ConfigError(f"{path}: x holds NaN or infinite values")
    if x.ndim == 2:
        return np.ascontiguousarray(x if x.dtype in (np.float32, np.float64)
                                    else x.astype(np.float64))
    if x.dtype.kind == "f":
        if x.size and (x.min() < 0 or x.max() > 1):
            raise ConfigError(f"{path}: float images must lie in [0, 1], got "
                              f"[{x.min():g}, {x.max():g}]")
        x = np.rint(x * 255.0).astype(np.uint8)
    elif x.dtype != np.uint8:
        if x.size and (x.min() < 0 or x.max() > 255):
            raise ConfigError(f"{path}: integer images must lie in 0..255, got "
                              f"{x.min()}..{x.max()}")
        x = x.astype(np.uint8)
    return np.ascontiguousarray(x if size is None else _resize(x, size))


def _from_arrays(path: Path, arrays: dict, size: int | None) -> tuple:
    for k in ("x", "label"):
        if k not in arrays:
            raise ConfigError(f"{path}: no array {k!r} (expected x, label and optionally group,"
                              f" split)")
    x = _images_or_vectors(path, arrays["x"], size)
    rows = {k: _values(path, k, arrays[k]) for k in FIELDS[1:] if k in arrays}
    for k, v in rows.items():
        if len(v) != len(x):
            raise ConfigError(f"{path}: {k} has {len(v)} rows, x has {len(x)}")
    classes, label = np.unique(rows["label"], return_inverse=True)
    label = label.reshape(-1).astype(np.int64)
    class_names = [str(c) for c in classes]
    first = np.unique(label, return_index=True)[1]       # a row of each class

    def per_class(name: str, codes: np.ndarray) -> np.ndarray:
        """codes (n,) -> (C,) value of each class, which must be that of all its rows."""
        of_class = codes[first]
        odd = np.flatnonzero(codes != of_class[label])
        if len(odd):
            raise ConfigError(f"{path}: {name} is not constant within class "
                              f"{class_names[label[odd[0]]]!r} (row {odd[0]})")
        return of_class

    if "group" in rows:
        groups, codes = np.unique(rows["group"], return_inverse=True)
        group = per_class("group", codes.reshape(-1).astype(np.int64))
        group_names = [str(g) for g in groups]
    else:                       # each class its own alphabet: split_classes can still split
        group, group_names = np.arange(len(classes), dtype=np.int64), list(class_names)
    split = None
    if "split" in rows:
        split = per_class("split", _split_codes(path, rows["split"]))
    return x, label, group, class_names, group_names, split


def _split_codes(path: Path, s: np.ndarray) -> np.ndarray:
    """(n,) int8 index into SPLITS of split names or of 0/1/2."""
    if s.dtype.kind == "U":
        bad = sorted(set(s.tolist()) - set(SPLITS))
        if not bad:
            return np.array([SPLITS.index(v) for v in s], dtype=np.int8)
    elif s.dtype.kind in "iu":
        bad = sorted(set(s.tolist()) - {0, 1, 2})
        if not bad:
            return s.astype(np.int8)
    else:
        raise ConfigError(f"{path}: split must hold names ({', '.join(SPLITS)}) or 0, 1, 2; "
                          f"got dtype {s.dtype}")
    raise ConfigError(f"{path}: bad split value {bad[0]!r}; expected one of {', '.join(SPLITS)}"
                      f" or 0, 1, 2")


def _resize(images: np.ndarray, size: int) -> np.ndarray:
    """(n, h, w) uint8 -> (n, size, size) uint8, each image by Pillow's bilinear filter."""
    from PIL import Image
    if images.shape[1:] == (size, size):
        return np.ascontiguousarray(images)
    out = np.empty((len(images), size, size), np.uint8)
    for i, im in enumerate(images):
        out[i] = np.asarray(Image.fromarray(np.ascontiguousarray(im))
                            .resize((size, size), Image.BILINEAR))
    return out


# ---- folders of PNGs (Omniglot's layout) ----------------------------------------------

def _subfolders(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
                  key=lambda p: p.name)


def _from_folder(root: Path, size: int | None) -> tuple:
    """Classes (alphabet, character) from ROOT[/images_*]/ALPHABET/CHARACTER/*.png."""
    sources = [(root / f, f) for f in OMNIGLOT_FOLDERS if (root / f).is_dir()]
    if not sources:
        named = Path(os.path.abspath(root)).name
        sources = [(root, named if named in OMNIGLOT_FOLDERS else None)]
    files, class_names, group_names, class_group, class_split = [], [], [], [], []
    seen = {}
    for folder, kind in sources:
        alphabets = []          # (name, [(class name, PNG files)]), alphabets with images only
        for alphabet in _subfolders(folder):
            if alphabet.name in seen:     # one alphabet in two splits would leak across them
                raise ConfigError(f"{alphabet}: alphabet {alphabet.name!r} is also in "
                                  f"{seen[alphabet.name]}")
            seen[alphabet.name] = folder
            chars = [(f"{alphabet.name}/{c.name}", _pngs(c)) for c in _subfolders(alphabet)]
            chars = [(name, pngs) for name, pngs in chars if pngs]
            if chars:
                alphabets.append((alphabet.name, chars))
        validation = set()
        if kind == "images_background" and len(alphabets) >= 2:
            validation = {i for i in range(len(alphabets))
                          if i % VALIDATION_EVERY == VALIDATION_EVERY - 1} or {len(alphabets) - 1}
        for i, (alphabet, chars) in enumerate(alphabets):
            for name, pngs in chars:
                files.append(pngs)
                class_names.append(name)
                class_group.append(len(group_names))
                class_split.append("evaluation" if kind == "images_evaluation" else
                                   "validation" if i in validation else "background")
            group_names.append(alphabet)
    if not files:
        raise ConfigError(f"{root}: no PNG images in the layout "
                          f"ROOT[/images_background|/images_evaluation]/ALPHABET/CHARACTER/*.png")
    x = _read_pngs([f for pngs in files for f in pngs], size)
    label = np.repeat(np.arange(len(files), dtype=np.int64), [len(p) for p in files])
    split = (np.array([SPLITS.index(s) for s in class_split], dtype=np.int8)
             if sources[0][1] is not None else None)
    return x, label, np.array(class_group, dtype=np.int64), class_names, group_names, split


def _pngs(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if p.suffix.lower() == ".png" and p.is_file()
                   and not p.name.startswith(".")), key=lambda p: p.name)


def _read_pngs(files: list[Path], size: int | None) -> np.ndarray:
    """(n, h, w) uint8 images of the files, strokes bright.

    Resized as they are read (Omniglot's 32k images stay small in memory); whether to invert
    is decided on the original pixels of the whole set, so one data set is treated alike.
    """
    from PIL import Image
    out, shape, first, total = None, None, None, 0
    for i, f in enumerate(files):
        try:
            with Image.open(f) as im:
                im = im.convert("L")        # decodes the whole file: truncation shows here
        except Exception as e:
            raise ConfigError(f"{f}: not a readable PNG image ({_one_line(e)})") from None
        a = np.asarray(im, dtype=np.uint8)
        if shape is None:
            shape, first = a.shape, f
            out = np.empty((len(files),) + ((size, size) if size else shape), np.uint8)
        elif a.shape != shape:
            raise ConfigError(f"{f}: image is {a.shape[1]}x{a.shape[0]}, unlike the first "
                              f"image {first} ({shape[1]}x{shape[0]}); all must share a shape")
        total += int(a.sum(dtype=np.int64))
        out[i] = a if size is None else _resize(a[None], size)[0]
    # Omniglot draws black strokes on white; a learner wants the strokes as the signal
    if total / (len(files) * shape[0] * shape[1]) > 127:
        out = 255 - out
    return out
