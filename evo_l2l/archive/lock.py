"""The writer lock: one process at a time writes an archive.

A writer (a run, a resume, a repair) holds an exclusive flock on PATH.lock, a file beside
the archive, from before it writes anything (its temp files included) until the archive
is closed. A lock on the archive itself would not do: the archive is written as a temp
file that is then renamed over PATH, and a lock belongs to the file it was taken on. A
second writer is refused at once, naming the holder (its pid and host, which the holder
writes into the lock file); --force never overrides it. The kernel drops the lock when
its process dies, whatever kills it, so a killed run leaves no lock that blocks a later
resume; the file it leaves behind holds no lock and is taken over by the next writer.
Readers never take the lock.

The holder removes PATH.lock when it is done. Removing a lock file races with a process
that opened it just before and then locks the removed file, so whoever takes the lock
checks that PATH.lock is still the file it locked, and opens it afresh if not.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import inspect
import os
import socket
import threading
import time

from ..errors import ArchiveError
from .temps import remove_stale_temps

_held: dict[str, list] = {}     # lock file -> [fd, depth, thread ident] of this process
_guard = threading.Lock()


def lock_path(path: str) -> str:
    """The lock file of the archive `path`: PATH.lock beside it."""
    return os.path.abspath(path) + ".lock"


def _holder(fd: int) -> str:
    """'pid P on HOST' as the holder wrote it (it writes it just after taking the lock)."""
    deadline = time.monotonic() + 1.0
    while True:
        try:
            words = os.pread(fd, 256, 0).decode(errors="replace").split()
        except OSError:
            words = []
        if len(words) == 2 or time.monotonic() > deadline:
            break
        time.sleep(0.01)
    return f"pid {words[0]} on {words[1]}" if len(words) == 2 else "a process that is starting"


def _acquire(path: str, key: str) -> int | None:
    """Locks `key` for this process; the fd, or None where no lock file can be made (a
    missing or read-only folder: nothing can be written there, and the caller says why)."""
    while True:
        try:
            fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            if exc.errno in (errno.ENOENT, errno.ENOTDIR, errno.EACCES, errno.EPERM,
                             errno.EROFS):
                return None
            raise ArchiveError(f"{path}: cannot take the writer lock {key} "
                               f"({exc.strerror or exc})") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _holder(fd) if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN) else None
            os.close(fd)
            if holder is None:
                raise ArchiveError(f"{path}: cannot take the writer lock {key} "
                                   f"({exc.strerror or exc})") from None
            raise ArchiveError(f"{path}: is being written by a live run ({holder}); "
                               "wait for it or stop it first") from None
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(key))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)            # its holder removed the file we locked: take the new one
    with contextlib.suppress(OSError):      # a full disk: the lock holds without its note
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} {socket.gethostname()}\n".encode(), 0)
    return fd


@contextlib.contextmanager
def writer_lock(path: str):
    """Holds the writer lock of the archive `path` while the block runs (ArchiveError at
    once if another process, or another thread of this one, holds it). Reentrant in one
    thread: a resume that starts its run again takes it once. Taking it removes the temp
    files of writers that died (under the lock no other writer can be alive)."""
    key = lock_path(path)
    me = threading.get_ident()
    with _guard:
        entry = _held.get(key)
        if entry is not None and entry[2] != me:
            raise ArchiveError(f"{path}: is being written by a live run (pid {os.getpid()} on "
                               f"{socket.gethostname()}, another thread of this process)")
        if entry is None:
            fd = _acquire(path, key)
            entry = [fd, 0, me]
            if fd is not None:
                _held[key] = entry
                remove_stale_temps(path, locked=True)
        entry[1] += 1
    try:
        yield
    finally:
        with _guard:
            entry[1] -= 1
            if entry[1] == 0 and entry[0] is not None:
                del _held[key]
                with contextlib.suppress(OSError):
                    os.unlink(key)          # still locked: see the module's docstring
                os.close(entry[0])


def holding_writer_lock(fn):
    """Runs `fn` under writer_lock of its argument `path`."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def locked(*args, **kwargs):
        with writer_lock(signature.bind(*args, **kwargs).arguments["path"]):
            return fn(*args, **kwargs)
    return locked
