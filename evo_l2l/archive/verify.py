"""Checking a whole archive: every dataset read in full (fletcher32 per chunk), every
digest, and the resume state against the table row it copies."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import ArchiveError
from .h5file import _open_h5, _read, _read_fixed
from .liveness import writer_alive
from .reader import open_run
from .schema import (CONFIG_DIGEST_ATTR, DIGEST_ATTR, STATUS_COMPLETE, STATUS_INTERRUPTED,
                     STATUS_RUNNING, _first_line, _text)
from .state import TABLE_COPIES


@dataclass
class Verified:
    """What verify_archive read: counts of checked datasets and digests."""

    path: str
    format_version: str
    n_generations: int
    n_datasets: int            # datasets read in full
    n_checksummed: int         # of those, with a fletcher32 checksum per chunk
    n_digests: int             # sha256 digests checked (config, /tasks)
    live: str | None           # host:pid of a live writer (state not cross-checked)
    notes: tuple = ()          # what was read but is not damage (rows past the state)


# Attributes holding JSON text (the config has its own digest): where present, they parse.
_JSON_ATTRS = {"/": ("config", "versions", "operator_names", "coef_names", "term_names",
                     "variables"),
               "/tasks": ("params", "split_names")}

def _check_json(f, path: str) -> None:
    import json
    for where, names in _JSON_ATTRS.items():
        if where not in f:
            continue
        attrs = f[where].attrs
        for name in names:
            if name in attrs:
                try:
                    json.loads(_text(attrs[name]))
                except ValueError:
                    raise ArchiveError(f"{path}: corrupt {where.rstrip('/')}/@{name} "
                                       "(not JSON)") from None


def _check_state(run, row, live: str | None) -> None:
    """The state's status word, and its copies of table row `generation` (row(name) reads
    that row of /generations/name) unless a live writer may be rewriting it."""
    path = run.path
    if run.status not in (STATUS_RUNNING, STATUS_COMPLETE, STATUS_INTERRUPTED):
        raise ArchiveError(f"{path}: corrupt /state/status ({run.status!r})")
    gen = int(run.state["generation"])
    if gen < 0 or live:
        return
    st = run.state
    for a, b in TABLE_COPIES:
        x, y = np.asarray(st[a]), np.asarray(row(b))
        if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            where = f"slot{run.state['slot']}/" if "slot" in run.state else ""
            raise ArchiveError(f"{path}: corrupt /state/{where}{a} (differs from "
                               f"/generations/{b} at generation {gen})")


def check_quickly(run) -> None:
    """The cheap part of verify_archive, for a run read with open_run(populations=False):
    every object's header and attributes (HDF5 checks its metadata checksums), the JSON
    attributes, and the resume state against its sha256 and the one table row it copies
    (open_run checked the sha256; a damage it found is raised here). Data chunks
    are read only for that row (open_run read the columns, checked). ArchiveError if
    anything fails."""
    path = run.path
    gen = int(run.state["generation"])
    try:
        with _open_h5(path) as f:
            def visit(name, obj):
                for key in obj.attrs:
                    obj.attrs[key]
            visit("/", f)
            f.visititems(visit)
            _check_json(f, path)
            g = f["generations"]

            def row(name):
                if name in run.generations:
                    return run.generations[name][gen]
                ds = g[name]
                if ds.shape[0] <= gen:
                    raise ArchiveError(f"{path}: corrupt /state/current (generation {gen}, "
                                       f"but /generations/{name} holds {ds.shape[0]} rows)")
                return _read(ds, gen + 1, path, start=gen)[0]
            live = writer_alive(run)
            if run.damage and not live:         # a slot's sha256, `current`, the target
                raise ArchiveError(f"{path}: {run.damage}")
            _check_state(run, row, live)
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError,
            IndexError) as exc:
        raise ArchiveError(f"{path}: corrupt ({_first_line(exc)})") from None


def verify_archive(path: str) -> Verified:
    """Reads every dataset of an archive in full, every attribute and digest.

    HDF5 checks each chunk's fletcher32 checksum as it reads it (and the
    checksums of its own metadata); the config and /tasks are checked against
    their sha256 digests; the resume state's unchecksummed scalars are checked
    against the table row they copy; each /state slot's data against its sha256 (format
    2.1). Any failure is an ArchiveError.

    Rows past the last complete generation (of /generations, and of the cache past the
    state's rows), and the /state slot not in use, are what a write cut short (a kill,
    a full disk) leaves: no resume reads them, so they are read but not counted as
    damage; `notes` says how many were unreadable.
    """
    import h5py
    run = open_run(path)
    counts = {"datasets": 0, "checksummed": 0, "digests": 0}
    live = writer_alive(run)
    if run.damage and not live:
        raise ArchiveError(f"{path}: {run.damage}")
    n = run.n_generations_done
    cache_rows = len(run.state.get("cache_keys", ()))
    spare = f"state/slot{1 - int(run.state['slot'])}/" if "slot" in run.state else None
    past = {"rows": set(), "slot": False}

    def checked_rows(name: str) -> int | None:
        """Rows of a dataset a resume reads (the rest may be torn), None: all of it."""
        if name.startswith("generations/"):
            return n
        if name in ("state/cache_keys", "state/cache_fitness"):
            return cache_rows
        return None

    def visit(name, obj):
        for key in obj.attrs:
            obj.attrs[key]
        if isinstance(obj, h5py.Dataset):
            rows = checked_rows(name)
            if spare and name.startswith(spare):
                try:
                    _read_fixed(obj, path)
                except ArchiveError:
                    past["slot"] = True
            elif rows is None or not obj.ndim:
                _read_fixed(obj, path)
            else:
                _read(obj, rows, path, torn=[])
                if obj.shape[0] > rows:
                    try:
                        _read(obj, None, path, start=rows)
                    except ArchiveError:
                        past["rows"].add(name)
            counts["datasets"] += 1
            counts["checksummed"] += bool(obj.fletcher32)
            counts["digests"] += DIGEST_ATTR in obj.attrs
        elif not isinstance(obj, h5py.Group):
            raise KeyError(f"unexpected object {name}")

    try:
        with _open_h5(path) as f:
            visit("/", f)
            f.visititems(visit)
            counts["digests"] += CONFIG_DIGEST_ATTR in f.attrs
            _check_json(f, path)
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError) as exc:
        raise ArchiveError(f"{path}: corrupt ({_first_line(exc)})") from None
    gen = int(run.state["generation"])
    _check_state(run, lambda name: run.generations[name][gen], live)
    notes = []
    if run.torn:
        notes.append(f"{len(run.torn)} datasets ({', '.join(run.torn)}) end in a torn chunk "
                     "(a flush cut short): their complete rows read from its bytes, the "
                     "checksum covering the rows past them fails; resume rewrites it")
    if past["rows"]:
        notes.append(f"{len(past['rows'])} datasets unreadable past the last complete "
                     "generation (a write cut short; resume drops those rows)")
    if past["slot"]:
        notes.append(f"{spare.rstrip('/')} (not in use) unreadable (a write cut short)")
    return Verified(path, _text(run.attrs.get("format_version", "")), run.n_generations_done,
                    counts["datasets"], counts["checksummed"], counts["digests"], live,
                    tuple(notes))
