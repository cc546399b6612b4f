"""Errors a user can cause; the CLI prints their one-line message and exits 2."""


class ConfigError(ValueError):
    """A bad option or config file."""


class ArchiveError(Exception):
    """An archive that is missing, foreign, too new, truncated or corrupt."""
