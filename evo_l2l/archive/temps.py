"""The temp files a run makes beside its archive (PATH.tmp-PID while it writes the
static part, PATH.resume-PID while a resume copies it): finding them, removing those
whose process died, and telling why an archive is missing.

A writer holds the archive's writer lock (lock.py) while it has temp files, so the
holder of that lock knows every other temp file of the archive is stale. Without it,
a pid tells: a killed process whose parent has not reaped it yet is a zombie, whose pid
still answers a signal, so zombies count as dead."""
from __future__ import annotations

import os


def _temp_files(path: str) -> list[tuple[str, int, str]]:
    """(file, pid, "tmp" or "resume") of the temp files runs writing `path` make: PATH.tmp-PID, PATH.resume-PID."""
    folder, base = os.path.split(path)
    try:
        names = os.listdir(folder or ".")
    except OSError:
        return []
    out = []
    for name in names:
        for tag in (".tmp-", ".resume-"):
            pid = name[len(base) + len(tag):]
            if name.startswith(base + tag) and pid.isdigit():
                out.append((os.path.join(folder, name), int(pid), tag.strip(".-")))
    return sorted(out)


def _pid_alive(pid: int) -> bool:
    """Whether a process with this pid runs on this host (a zombie does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


# Temp files this process removed, per archive path: why the archive is missing.
_removed: dict[str, list[tuple[str, int, str]]] = {}


def remove_stale_temps(path: str, locked: bool = False) -> list[str]:
    """Removes the temp files of runs that wrote `path` and died.

    locked: this process holds the archive's writer lock, so every temp file but its
    own is stale. Otherwise a temp file is stale when its pid is gone on this host
    (temp files are named by pid only: this assumes the runs writing one path share a
    host, as the live-writer check before overwriting does). A resume's copy of an
    archive that is gone stays: it may be all that is left of the run.
    """
    removed = []
    for name, pid, kind in _temp_files(path):
        if kind == "resume" and not os.path.exists(path):
            continue
        if pid != os.getpid() and (locked or not _pid_alive(pid)):
            try:
                os.remove(name)
            except FileNotFoundError:
                continue
            removed.append(name)
            _removed.setdefault(os.path.abspath(path), []).append((name, pid, kind))
    return removed


def _missing(path: str) -> str:
    """Why `path` does not exist, if a run's temp file tells."""
    if not os.path.exists(path):
        for name, pid, kind in _removed.get(os.path.abspath(path), []):
            if kind == "tmp":
                return (f"{path}: no such file; a run writing it (pid {pid}) died before "
                        f"its first generation was saved (its temp file {name} is removed)")
    for name, pid, kind in _temp_files(path):
        resume = kind == "resume"
        if _pid_alive(pid):
            what = "a resume of it" if resume else "a run"
            return f"{path}: no such file yet; {what} (pid {pid}) is writing {name}"
        if resume:
            return (f"{path}: no such file; {name} is the copy a resume of it (pid {pid}) "
                    "made before it died")
        return (f"{path}: no such file; a run writing it (pid {pid}) died before its first "
                f"generation was saved: {name}")
    return f"{path}: no such file"
