"""One writer per archive: a second run or resume is refused at once (exit 2, one line naming
the live writer), --force does not override it, and a killed writer leaves no lock behind.
Also what the lock makes possible: stale temp files removed, no message about a temp file,
a full disk during a resume in one line, and `info` refusing what verification refuses."""
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError, lock_path, verify_archive, writer_lock
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS


def cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "evo_l2l", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def slow_run(path, *more):
    """A run that lasts until it is stopped, flushing often."""
    return cli("run", "chalmers1990", "-q", "--seed", "1", "--population", "10",
               "--generations", "200000", "--flush-interval", "0.05", "-o", path, *more)


def wait_for(predicate, timeout=120):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def generations(path):
    try:
        return open_run(path, populations=False).n_generations_done
    except ArchiveError:
        return 0


def config(n=2):
    return PRESETS["chalmers1990"].default_config(n_generations=n, population=4)


def assert_refused(proc, pid, timeout=60):
    """proc exited 2 at once with one line naming the live writer (pid, host)."""
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    assert f"being written by a live run (pid {pid} on {socket.gethostname()})" in err, err
    assert ".tmp-" not in err and ".resume-" not in err and "corrupt" not in err
    return err


def files_of(folder):
    return sorted(os.listdir(folder))


def test_a_second_run_and_resume_are_refused_while_a_run_is_live(tmp_path):
    path = str(tmp_path / "x.h5")
    first = slow_run(path)
    try:
        wait_for(lambda: generations(path) >= 20)
        before = files_of(tmp_path)
        assert before == ["x.h5", "x.h5.lock"]
        for args in (["run", "chalmers1990", "-q", "-o", path],
                     ["run", "chalmers1990", "-q", "-o", path, "--force"],
                     ["resume", path, "-q"], ["resume", path, "-q", "--force"]):
            assert_refused(cli(*args), first.pid)
            assert files_of(tmp_path) == before, args
        with pytest.raises(ArchiveError, match=f"live run \\(pid {first.pid} on"):
            resume_run(path, force=True)
        assert first.poll() is None          # the live run goes on
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    finally:
        first.kill()
        first.wait()
    run = open_run(path)
    assert run.status == "interrupted" and run.n_generations_done >= 20
    assert files_of(tmp_path) == ["x.h5"]           # the lock file goes with its writer
    verify_archive(path)


def test_a_second_resume_is_refused_while_a_resume_is_live(tmp_path):
    path = str(tmp_path / "y.h5")
    start_run(PRESETS["chalmers1990"].default_config(seed=1, population=10, n_generations=5,
                                                     flush_interval=0.05), path)
    first = cli("resume", path, "-q", "--generations", "200000")
    try:
        wait_for(lambda: generations(path) >= 30)
        assert_refused(cli("resume", path, "-q", "--generations", "300000"), first.pid)
        assert_refused(cli("resume", path, "-q", "--force"), first.pid)
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=120)
    finally:
        first.kill()
        first.wait()
    run = open_run(path, populations=False)
    done = run.n_generations_done
    assert run.status == "interrupted" and done >= 30
    assert list(run.generations["generation"]) == list(range(done))


def test_runs_started_together_leave_one_run_and_one_refusal(tmp_path):
    """Two runs started at the same moment: before the lock both said "complete" (one run
    lost); now exactly one writes and the other exits 2 (refused, or: exists)."""
    for k in range(2):
        path = str(tmp_path / f"r{k}.h5")
        procs = [cli("run", "chalmers1990", "-q", "--generations", "300", "-o", path)
                 for _ in range(2)]
        results = {p.pid: (*p.communicate(timeout=300), p.returncode) for p in procs}
        assert sorted(code for _, _, code in results.values()) == [0, 2], results
        err = [e for _, e, code in results.values() if code == 2][0]
        assert err.count("\n") == 1 and ("live run" in err or "exists; pass --force" in err), err
        assert open_run(path).n_generations_done == 300
        assert files_of(tmp_path).count(f"r{k}.h5.lock") == 0


def test_kill_9_leaves_no_lock_that_blocks_a_resume(tmp_path):
    path = str(tmp_path / "k.h5")
    proc = slow_run(path)
    try:
        wait_for(lambda: generations(path) >= 20)
        assert os.path.exists(lock_path(path))
        proc.kill()
        proc.wait()
    finally:
        proc.kill()
    assert os.path.exists(lock_path(path))           # the file stays; its lock is gone
    done = generations(path)
    out = subprocess.run([sys.executable, "-m", "evo_l2l", "resume", path, "-q",
                          "--generations", str(done + 5)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert open_run(path).n_generations_done == done + 5
    assert not os.path.exists(lock_path(path))


def test_the_lock_in_one_process(tmp_path):
    """Reentrant in a thread (a resume that starts its run again), refused in another."""
    path = str(tmp_path / "t.h5")
    with writer_lock(path):
        with writer_lock(path):
            pass
        assert os.path.exists(lock_path(path))
        errors = []
        t = threading.Thread(target=lambda: errors.append(_try_lock(path)))
        t.start()
        t.join()
        assert "another thread of this process" in errors[0]
    assert not os.path.exists(lock_path(path))
    # A lock file a killed writer left (its pid gone) holds no lock.
    with open(lock_path(path), "w") as fh:
        fh.write("999999999 somehost\n")
    start_run(config(), path)
    assert not os.path.exists(lock_path(path))


def _try_lock(path):
    try:
        with writer_lock(path):
            return "taken"
    except ArchiveError as exc:
        return str(exc)


# Dies by SIGKILL while writing the archive's static part (before it is published).
KILLED_IN_CREATE = """
import os, signal, sys
import evo_l2l.archive.writer as a
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
a._seal = lambda f: os.kill(os.getpid(), signal.SIGKILL)
start_run(PRESETS["chalmers1990"].default_config(n_generations=3, population=4), sys.argv[1])
"""


def test_the_temp_file_of_a_killed_unreaped_run_is_removed(tmp_path):
    """A killed run whose parent has not reaped it yet is a zombie, whose pid still answers
    os.kill(pid, 0): its temp file survived the next run. Under the lock it is stale."""
    path = str(tmp_path / "z.h5")
    zombie = subprocess.Popen([sys.executable, "-c", KILLED_IN_CREATE, path])
    try:
        tmp = f"{path}.tmp-{zombie.pid}"
        wait_for(lambda: _state(zombie.pid) == "Z")
        assert os.path.exists(tmp)
        start_run(config(), path)
        assert not os.path.exists(tmp)
    finally:
        zombie.wait()
    assert files_of(tmp_path) == ["z.h5"]


def _state(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rpartition(b")")[2].split()[0].decode()
    except OSError:
        return None


def test_resume_of_a_run_killed_before_its_archive_existed(tmp_path):
    """One line saying what happened, and the temp file is gone."""
    path = str(tmp_path / "m.h5")
    proc = subprocess.Popen([sys.executable, "-c", KILLED_IN_CREATE, path])
    assert proc.wait() == -signal.SIGKILL
    assert files_of(tmp_path) == ["m.h5.lock", f"m.h5.tmp-{proc.pid}"]
    out = subprocess.run([sys.executable, "-m", "evo_l2l", "resume", path],
                         capture_output=True, text=True)
    assert out.returncode == 2 and out.stderr.count("\n") == 1, out.stderr
    assert (f"no such file; a run writing it (pid {proc.pid}) died before its first "
            "generation was saved (its temp file") in out.stderr
    assert files_of(tmp_path) == []


def _corrupt_state(path):
    import h5py
    with h5py.File(path, "r+") as f:
        slot = int(f["state/current"][1])
        f[f"state/slot{slot}/hof_fitness"][()] = 123.0


def _corrupt_versions(path):
    import h5py
    with h5py.File(path, "r+") as f:
        f.attrs["versions"] = '{"numpy": 2,'


@pytest.mark.parametrize("damage, what", [(_corrupt_state, "hof_fitness"),
                                          (_corrupt_versions, "versions")])
def test_info_refuses_what_verify_refuses(tmp_path, damage, what):
    from click.testing import CliRunner
    from evo_l2l.cli import main
    path = str(tmp_path / "c.h5")
    start_run(config(3), path)
    damage(path)
    for command in ("verify", "info"):
        res = CliRunner().invoke(main, [command, path])
        assert res.exit_code == 2 and what in res.output, (command, res.output)
        assert res.output.strip().count("\n") == 0 and "Traceback" not in res.output


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/bin/mount"),
                    reason="needs root to mount a tiny tmpfs")
def test_a_full_disk_during_resume_is_one_line_and_leaves_the_archive(tmp_path):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = str(mnt / "f.h5")
        # 570 generations of about 5.5 kB: more than the 2 MB hold, but not the twice as
        # much that is refused before the run (evolution/run.py check_disk).
        out = subprocess.run([sys.executable, "-m", "evo_l2l", "run", "chalmers1990", "-q",
                              "--generations", "570", "--flush-interval", "0.02", "-o", path],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 2 and "no space left" in out.stderr, out.stderr
        done = generations(path)
        assert done > 0
        with open(path, "rb") as fh:
            before = fh.read()
        out = subprocess.run([sys.executable, "-m", "evo_l2l", "resume", path, "-q"],
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 2, out.stderr
        assert out.stderr.count("\n") == 1 and "no space left" in out.stderr, out.stderr
        assert ".resume-" not in out.stderr and "left as it was" in out.stderr
        with open(path, "rb") as fh:
            assert fh.read() == before
        assert files_of(mnt) == ["f.h5"]
    finally:
        subprocess.run(["umount", str(mnt)])
