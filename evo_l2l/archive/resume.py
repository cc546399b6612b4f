"""Copying an archive up to its last complete generation into a fresh file: what a
resume continues from (prepare_resume), and what repair puts in place of a file a
killed SWMR writer left that plain HDF5 readers refuse."""
from __future__ import annotations

import os

from ..errors import ArchiveError
from .h5file import _open_h5
from .legacy import _upgrade_1_0
from .liveness import writer_alive
from .lock import writer_lock
from .reader import Run, open_run
from .schema import CONFIG_DIGEST_ATTR, FORMAT_VERSION, _dataset, _first_line, _sha256
from .state import _copy_state, _seal_slot
from .temps import remove_stale_temps


def repair(path: str, force: bool = False) -> Run:
    """Rewrites an archive whose writer was killed so that any HDF5 reader opens it.

    A writer killed in SWMR mode leaves flags that make plain readers (h5py
    without swmr=True, h5dump) refuse the file ("already open for write, may
    use h5clear"). The archive is copied up to its last complete generation,
    as resume does, and the copy replaces it; its status stays as it was. An archive
    with no complete generation yet (a disk full before the first) is rewritten too.
    """
    with writer_lock(path):
        run, tmp = prepare_resume(path, None, force, empty=True)
        try:
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise
    return run


def prepare_resume(path: str, n_generations: int | None, force: bool = False,
                   empty: bool = False) -> tuple[Run, str]:
    """Copies the archive up to its last complete generation into a temp file.

    Returns the run and the temp file, which ArchiveWriter(publish_from=...)
    publishes over `path`. A writer killed in SWMR mode leaves flags that
    forbid reopening the file for writing; the fresh copy clears them and
    drops rows written after the last complete resume state. Every failure is an
    ArchiveError about `path` (never about the temp file, which is removed), and
    `path` is left as it was. empty: also copy an archive with no complete generation.
    """
    import h5py
    run = open_run(path)
    live = None if force else writer_alive(run)
    if live:
        raise ArchiveError(f"{path}: is being written by a live run ({live}); stop it first "
                           "(or pass --force if that process is gone)")
    if run.n_generations_done < 1 and not empty:
        raise ArchiveError(f"{path}: holds no complete generation to resume from")
    n = run.n_generations_done
    if n:
        run.resume_record()           # a damaged state is refused here, naming `path`
    remove_stale_temps(path)
    tmp = f"{path}.resume-{os.getpid()}"
    try:
        with _open_h5(path) as src, h5py.File(tmp, "w", libver="latest") as dst:
            for k, v in src.attrs.items():
                dst.attrs[k] = v
            dst.attrs["format_version"] = FORMAT_VERSION    # the copy has this layout
            src.copy(src["tasks"], dst, "tasks")
            if "current" in src["state"]:
                _copy_state(src["state"], dst, run, path)
            else:
                _upgrade_1_0(src, dst, run)
                _seal_slot(dst["state"]["slot0"], int(run.state["generation"]))
            g = dst.create_group("generations")
            for name, ds in src["generations"].items():
                # Rewritten with the archive's checksums, also where the source (format
                # 1.0) had none.
                shape = (n,) + ds.shape[1:]
                new = _dataset(g, name, shape=shape, maxshape=(None,) + ds.shape[1:],
                               dtype=ds.dtype, chunks=ds.chunks)
                new[...] = run.generations[name]
            if n_generations is not None:
                dst["state"]["n_generations_target"][()] = n_generations
                # The config says what the run now aims for (info showed the old target).
                config = run.config.with_overrides({"run.n_generations": n_generations})
                dst.attrs["config"] = config.to_json()
                dst.attrs[CONFIG_DIGEST_ATTR] = _sha256(dst.attrs["config"])
        copy = open_run(tmp)
        if n:
            copy.resume_record()      # refuses a damaged state before anything is replaced
    except BaseException as exc:
        if os.path.exists(tmp):
            os.remove(tmp)
        if isinstance(exc, ArchiveError) and tmp in str(exc):
            # The copy differs from what open_run read: another process changed the
            # archive meanwhile (a writer this process could not see).
            raise ArchiveError(f"{path}: changed while it was copied (is another process "
                               f"writing it?); it is left as it was") from None
        if isinstance(exc, OSError):            # e.g. no space left for the copy
            full = "No space left" in str(exc) or getattr(exc, "errno", None) == 28
            why = ("no space left on the device" if full
                   else _first_line(exc).split(" (")[0].replace(tmp, "its copy"))
            raise ArchiveError(f"{path}: cannot resume: cannot write its copy beside it "
                               f"({why}); the archive is left as it was") from None
        raise
    copy.path = path
    return copy, tmp
