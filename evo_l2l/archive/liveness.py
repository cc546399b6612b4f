"""Which process is writing an archive: its host:pid, checked by pid on this host and
by a recent heartbeat on another."""
from __future__ import annotations

import json
import os
import socket
import time

from ..errors import ArchiveError
from .h5file import _open_h5
from .reader import open_run
from .schema import FORMAT, STATUS_RUNNING, _MAJOR, _text


def writer_alive(run) -> str | None:
    """'host:pid' of the process still writing the run, or None.

    On this host the pid is checked; on another host a recent heartbeat counts.
    """
    return _alive(run.status, _text(run.state.get("writer", b"")), run.heartbeat,
                  run.config.run.flush_interval)


def live_writer(path: str) -> str | None:
    """writer_alive(open_run(path, populations=False)), reading only the state's status,
    writer and heartbeat and the config's flush interval (a tenth of the time: `run
    --force` asks it of the archive it replaces). None if path is no readable archive."""
    try:
        f = _open_h5(path)
    except ArchiveError:
        return None
    try:
        with f:
            if (_text(f.attrs.get("format", "")) == FORMAT
                    and _text(f.attrs.get("format_version", "")).startswith(f"{_MAJOR}.")):
                st = f["state"]
                interval = json.loads(_text(f.attrs["config"]))["run"]["flush_interval"]
                return _alive(_text(st["status"][()]), _text(st["writer"][()]),
                              float(st["heartbeat"][()]), float(interval))
    except (KeyError, TypeError, ValueError, OSError):
        pass
    try:                # another layout, or damage: the full reader decides, as before
        return writer_alive(open_run(path, populations=False))
    except ArchiveError:
        return None


def _alive(status: str, writer: str, heartbeat: float, flush_interval: float) -> str | None:
    if status != STATUS_RUNNING:
        return None
    host, _, pid = writer.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            return writer
        return writer if int(pid) != os.getpid() else None
    # The heartbeat moves once per flush, i.e. at least once per generation.
    fresh = time.time() - heartbeat < max(120.0, 3 * flush_interval)
    return writer if fresh else None
