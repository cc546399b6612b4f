"""A run killed before its archive is published leaves PATH.tmp-PID: info explains, the next
run (or resume: tests/test_writer_lock.py) cleans up."""
import os
import signal
import subprocess
import sys

import pytest

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

# Dies by SIGKILL while writing the archive's static part (before it is published).
KILLED_IN_CREATE = """
import os, signal, sys
import evo_l2l.archive.writer as a
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS
a._seal = lambda f: os.kill(os.getpid(), signal.SIGKILL)
start_run(PRESETS["chalmers1990"].default_config(n_generations=3, population=4), sys.argv[1])
"""


def config():
    return PRESETS["chalmers1990"].default_config(n_generations=2, population=4)


def killed_in_create(path):
    proc = subprocess.run([sys.executable, "-c", KILLED_IN_CREATE, path], capture_output=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    temps = [f for f in os.listdir(os.path.dirname(path)) if ".tmp-" in f]
    assert len(temps) == 1
    return os.path.join(os.path.dirname(path), temps[0])


def test_info_says_what_happened_then_next_run_cleans_up(tmp_path):
    path = str(tmp_path / "run.h5")
    tmp = killed_in_create(path)
    pid = tmp.rsplit("-", 1)[1]
    with pytest.raises(ArchiveError, match=f"no such file; a run writing it \\(pid {pid}\\) died "
                                           "before its first generation was saved") as info:
        open_run(path)
    assert tmp in str(info.value) and "\n" not in str(info.value)
    from click.testing import CliRunner
    from evo_l2l.cli import main
    res = CliRunner().invoke(main, ["info", path])
    assert res.exit_code == 2 and "died before its first generation was saved" in res.output
    start_run(config(), path)
    assert not os.path.exists(tmp)
    assert open_run(path).n_generations_done == 2


def test_temp_files_of_live_pids_without_the_writer_lock_are_stale(tmp_path):
    """A reader goes by the pid; a writer holds the lock that every writer holds while
    it has temp files, so a temp file of a live pid (reused, or a zombie) is stale."""
    path = str(tmp_path / "run.h5")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        live = f"{path}.tmp-{sleeper.pid}"
        open(live, "wb").close()
        with pytest.raises(ArchiveError, match=f"no such file yet; a run \\(pid {sleeper.pid}\\) is writing"):
            open_run(path)
        start_run(config(), path)
        assert not os.path.exists(live)
    finally:
        sleeper.kill()
        sleeper.wait()


def test_resume_removes_stale_resume_copies(tmp_path):
    path = str(tmp_path / "run.h5")
    start_run(config(), path)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = f"{path}.resume-{dead.pid}"
    open(stale, "wb").close()
    from evo_l2l.evolution.run import resume_run
    resume_run(path, 3)
    assert not os.path.exists(stale)
    os.remove(path)
    open(stale, "wb").close()
    with pytest.raises(ArchiveError, match=f"resume-{dead.pid} is the copy a resume of it"):
        open_run(path)
