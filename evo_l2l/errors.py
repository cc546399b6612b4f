"""Errors a user can cause; the CLI prints their one-line message and exits 2."""


class ConfigError(ValueError):
    """A bad option or config file."""


class ArchiveError(Exception):
    """An archive that is missing, foreign, too new, truncated or corrupt."""


class ArchiveWriteFailed(ArchiveError):
    """A write to an open archive failed (a full disk): HDF5 still holds dirty buffers for
    it, which it would try to write again when the process ends, and crash (a segfault
    seen in h5py's cleanup on a full tmpfs). The command line ends the process at once
    after its one-line message; the archive is as complete as it can be."""
