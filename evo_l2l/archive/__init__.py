"""The HDF5 run archive: schema, writer, reader, resume state, checks and repair.

Schema (format "evo_l2l.run", version FORMAT_VERSION) is documented in
docs/reference/schema.md. Nothing here pickles or evals: strings are JSON, arrays are
plain numbers. One idea per module:

schema    format name and version, status words, columns, checksums and digests
record    GenerationRecord: one generation as the loop hands it to its hooks
state     /state: the two-slot resume state, created, written and read
writer    ArchiveWriter: creates an archive and appends generations (SWMR)
h5file    opening the HDF5 file of a live, killed or damaged run; checked reads
reader    open_run and Run: an archive read into memory
liveness  which process is writing an archive
temps     the temp files of runs writing an archive; removing stale ones
lock      the writer lock: one process at a time writes an archive
verify    verify_archive: every dataset, checksum and digest read
resume    prepare_resume and repair: a fresh copy up to the last complete generation
legacy    format 1.0: its flat config and its upgrade to format 2.0
"""
from ..errors import ArchiveError, ArchiveWriteFailed
from .legacy import sections_from_1_0
from .liveness import live_writer, writer_alive
from .lock import holding_writer_lock, lock_path, writer_lock
from .reader import Run, open_run
from .record import GenerationRecord
from .resume import prepare_resume, repair
from .schema import (CHUNK_FILTERS, CONFIG_DIGEST_ATTR, DIGEST_ATTR, FORMAT, FORMAT_VERSION,
                     GENERATION_COLUMNS, STATUS_COMPLETE, STATUS_INTERRUPTED, STATUS_RUNNING)
from .state import SLOT_SCALARS
from .temps import remove_stale_temps
from .verify import Verified, check_quickly, verify_archive
from .writer import ArchiveWriter

__all__ = [
    "ArchiveError", "ArchiveWriteFailed", "ArchiveWriter", "CHUNK_FILTERS", "CONFIG_DIGEST_ATTR",
    "DIGEST_ATTR", "FORMAT", "FORMAT_VERSION", "GENERATION_COLUMNS", "GenerationRecord", "Run",
    "SLOT_SCALARS", "STATUS_COMPLETE", "STATUS_INTERRUPTED", "STATUS_RUNNING", "Verified",
    "check_quickly", "holding_writer_lock", "live_writer", "lock_path", "open_run",
    "prepare_resume", "remove_stale_temps", "repair", "sections_from_1_0", "verify_archive", "writer_alive",
    "writer_lock",
]
