"""Opening an archive's HDF5 file for reading (a live or killed SWMR writer, a file
still growing, a truncated one) and reading its datasets, checksums and digests
checked; every failure is an ArchiveError with one line."""
from __future__ import annotations

import os
import time

import numpy as np

from ..errors import ArchiveError
from .schema import DIGEST_ATTR, _first_line, _sha256, _text
from .temps import _missing


def _stored_eof(path: str) -> int | None:
    """End-of-file address recorded in a version 2/3 superblock, if there is one."""
    import struct
    with open(path, "rb") as fh:
        head = fh.read(36)
    if len(head) == 36 and head[:8] == b"\x89HDF\r\n\x1a\n" and head[8] >= 2 and head[9] == 8:
        return struct.unpack("<Q", head[28:36])[0]
    return None


def _signature(path: str) -> tuple:
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _changes(path: str, before: tuple, seconds: float) -> bool:
    """Whether the file's size or modification time moves away from `before` within
    `seconds` (checked every 10 ms)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if _signature(path) != before:
                return True
        except OSError:                 # gone or unreadable now: the next look says which
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.01)


def _open_h5(path: str, tries: int = 6):
    import h5py
    if not os.path.exists(path):
        raise ArchiveError(_missing(path))
    if os.path.isdir(path):
        raise ArchiveError(f"{path}: is a folder, not an archive")
    for attempt in range(tries):
        # A live writer extends the file in steps (the superblock's end-of-file first,
        # then the data), so a read in between sees a short file; a file that changes
        # while it is read is being written: look again. A truncated one does not change.
        try:
            before = _signature(path)
            if not h5py.is_hdf5(path):
                raise ArchiveError(f"{path}: not an HDF5 file")
            eof = _stored_eof(path)
        except OSError as exc:
            raise ArchiveError(f"{path}: cannot read ({exc.strerror or exc})") from None
        # SWMR readers retry failed metadata reads for a long time, so a truncated
        # file must be caught here, before it is ever opened in SWMR mode.
        if eof is not None and os.path.getsize(path) < eof:
            problem = f"truncated HDF5 file ({os.path.getsize(path)} of {eof} bytes)"
        else:
            try:
                return h5py.File(path, "r")
            except OSError as exc:
                if "already open for write" in str(exc):
                    break
                problem = f"truncated or corrupt HDF5 file ({_first_line(exc)})"
        if attempt == tries - 1 or not _changes(path, before, 0.3):
            raise ArchiveError(f"{path}: {problem}")
    # A live run, or one whose writer was killed: the SWMR flags are set.
    try:
        return h5py.File(path, "r", swmr=True)
    except OSError as exc:
        raise ArchiveError(f"{path}: corrupt HDF5 file ({_first_line(exc)})") from None


def _read(ds, n: int | None = None, path: str = ""):
    """A dataset (its first n rows) as numpy; variable-length text as str objects.

    A chunk whose checksum fails (or any other failed read) is an ArchiveError.
    """
    import h5py
    if not isinstance(ds, h5py.Dataset):
        raise KeyError("an unreadable object where a dataset should be")
    src = ds.asstr() if h5py.check_string_dtype(ds.dtype) is not None else ds
    try:
        return src[()] if n is None else src[:n]
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"{path}: corrupt {ds.name} ({_first_line(exc)})") from None


def _read_fixed(ds, path: str = ""):
    """A dataset written once at creation, checked against its digest if it has one."""
    arr = _read(ds, path=path)
    want = ds.attrs.get(DIGEST_ATTR)
    if want is not None and _sha256(np.asarray(arr)) != _text(want):
        raise ArchiveError(f"{path}: corrupt {ds.name} (its data do not match the stored sha256)")
    return arr
