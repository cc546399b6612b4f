"""The temp files a run makes beside its archive (PATH.tmp-PID while it writes the
static part, PATH.resume-PID while a resume copies it): finding them, removing those
whose process died, and telling why an archive is missing."""
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
    """Whether a process with this pid exists on this host."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temps(path: str) -> list[str]:
    """Removes the temp files of runs that wrote `path` and died (pid gone on this host).

    Temp files are named by pid only, so this assumes the runs writing one
    path share a host (as the live-writer check before overwriting does).
    """
    removed = []
    for name, pid, _ in _temp_files(path):
        if pid != os.getpid() and not _pid_alive(pid):
            try:
                os.remove(name)
                removed.append(name)
            except FileNotFoundError:
                pass
    return removed


def _missing(path: str) -> str:
    """Why `path` does not exist, if a run's temp file tells."""
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
