"""The archive's format: its name and version, the status words, the per-generation
columns, the checksum settings of its datasets and the digests of the data written once.

The schema itself is documented in docs/reference/schema.md.
"""
from __future__ import annotations

import hashlib

import numpy as np

FORMAT = "evo_l2l.run"
FORMAT_VERSION = "2.1"     # 2: config in sections, optimizer state as named arrays, checksums;
_MAJOR = 2                 # 2.1: each /state slot's generation and sha256

STATUS_RUNNING, STATUS_COMPLETE, STATUS_INTERRUPTED = "running", "complete", "interrupted"

# 1-D per-generation columns: name -> dtype.
GENERATION_COLUMNS = {
    "generation": "i8", "fitness_min": "f8", "fitness_mean": "f8", "fitness_max": "f8",
    "fitness_std": "f8", "n_evaluations": "i8", "wall_time": "f8", "best_index": "i8",
    "best_fitness": "f8", "best_heldout_fitness": "f8", "best_so_far_fitness": "f8",
    "best_so_far_heldout_fitness": "f8", "best_so_far_generation": "i8",
}

# Filters of every chunked dataset the writer creates: a fletcher32 checksum per
# chunk, so a reader notices changed bytes. HDF5 cannot filter variable-length
# text (symbolic genomes), so those datasets go without. No compression: the
# SWMR writer leaves the old space of every rewritten compressed chunk unused,
# so flushing often makes archives larger, not smaller (docs/reference/schema.md).
CHUNK_FILTERS: dict = {"fletcher32": True}
DIGEST_ATTR = "sha256"                 # on each /tasks dataset: sha256 of its bytes
CONFIG_DIGEST_ATTR = "config_sha256"   # root: sha256 of the config attribute's UTF-8


def _dataset(group, name, **kw):
    """group.create_dataset with the archive's checksums: chunked datasets carry
    CHUNK_FILTERS. Contiguous ones stay so: the fixed /tasks arrays get digests
    from _seal; the /state arrays, rewritten at every flush, must stay
    contiguous: chunked, HDF5 writes them at file flush apart from the
    generation counter, and a kill then leaves a state that does not match its
    generation (a kill test hit that in 6 of 15 kills).
    """
    import h5py
    dtype = np.dtype(kw.get("dtype", getattr(kw.get("data"), "dtype", "f8")))
    if h5py.check_vlen_dtype(dtype) is not None:
        return group.create_dataset(name, **kw)
    if "chunks" in kw:
        kw.update(CHUNK_FILTERS)
    return group.create_dataset(name, **kw)


def _sha256(data) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    elif isinstance(data, np.ndarray):
        data = np.ascontiguousarray(data).tobytes()
    return hashlib.sha256(data).hexdigest()


def _slot_digest(generation: int, values: dict) -> str:
    """sha256 of a /state slot as read back: its generation, then each dataset in name
    order (`optimizer/NAME` for the optimizer's), its name, dtype, shape and bytes
    (little-endian); texts as UTF-8, each after its length."""
    h = hashlib.sha256(f"generation {int(generation)}\n".encode())
    for name in sorted(values):
        arr = np.asarray(values[name])
        h.update(f"{name} {arr.shape}".encode())
        if arr.dtype.kind == "O" or arr.dtype.kind == "U":
            for text in arr.ravel():
                data = str(text).encode("utf-8", "surrogateescape")
                h.update(len(data).to_bytes(8, "little") + data)
        else:
            arr = np.ascontiguousarray(arr, dtype=arr.dtype.newbyteorder("<"))
            h.update(arr.dtype.str.encode() + arr.tobytes())
    return h.hexdigest()


def _seal(f) -> None:
    """Digests of the data written once at creation: the config and /tasks."""
    f.attrs[CONFIG_DIGEST_ATTR] = _sha256(_text(f.attrs["config"]))
    for ds in f["tasks"].values():
        ds.attrs[DIGEST_ATTR] = _sha256(ds[()])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _text(value) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)
