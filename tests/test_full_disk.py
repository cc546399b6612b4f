"""A disk that fills up during a run leaves an archive that reads, verifies and resumes.

A write cut short by a full disk leaves data past the end-of-allocation address that
the file's superblock records, and rows past the last complete generation that point
there. HDF5 refuses to read anything that crosses that address ("actual len exceeds
EOA"), which includes genome texts of complete generations when their global heap
collection was being extended. tests/fixtures/archive_2_0/gp_full_disk.h5 is such a
file: `evo-l2l run chalmers1990-gp --seed 1 --population 20 --generations 60
--flush-interval 0.001` on a 320 KiB tmpfs (format 2.0), which HDF5 could not read
beyond /state/current = (18, 1).
"""
import os
import shutil
import subprocess
import sys

import h5py
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS

from test_evolution import arrays_of, assert_same_arrays

FIXTURE = os.path.join(os.path.dirname(__file__), "fixtures", "archive_2_0", "gp_full_disk.h5")
ARGS = ["chalmers1990-gp", "-q", "--seed", "1", "--population", "20", "--generations", "60",
        "--flush-interval", "0.001"]


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted run the full-disk runs were part of."""
    path = str(tmp_path_factory.mktemp("ref") / "ref.h5")
    preset = PRESETS["chalmers1990-gp"]
    start_run(preset.default_config(seed=1, population=20, n_generations=60,
                                    flush_interval=0.001), path)
    return arrays_of(path)


def same_as(path, reference):
    a, b = arrays_of(path), dict(reference)
    a.pop("state/n_generations_target"), b.pop("state/n_generations_target")
    assert_same_arrays(a, b)


def read_everything_plainly(path):
    """Every dataset read in full by h5py without SWMR, as any HDF5 tool would."""
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                (obj.asstr() if h5py.check_string_dtype(obj.dtype) else obj)[()]
        f.visititems(visit)


def check_full_disk_archive(path, tmp_path, reference):
    run = open_run(path)
    done = run.n_generations_done
    assert 0 <= done < 60 and run.status == "running"
    res = CliRunner().invoke(main, ["verify", path])
    assert res.exit_code == 0, res.output
    assert "intact" in res.output
    repaired = str(tmp_path / "repaired.h5")
    shutil.copy(path, repaired)
    res = CliRunner().invoke(main, ["verify", "--repair", repaired])
    assert res.exit_code == 0, res.output
    read_everything_plainly(repaired)
    assert open_run(repaired).n_generations_done == done
    resumed = str(tmp_path / "resumed.h5")
    shutil.copy(path, resumed)                  # space freed: resume where the run stopped
    assert resume_run(resumed).status == "complete"
    same_as(resumed, reference)


def test_the_full_disk_fixture_reads_verifies_repairs_and_resumes_exactly(tmp_path, reference):
    path = str(tmp_path / "x.h5")
    shutil.copy(FIXTURE, path)
    check_full_disk_archive(path, tmp_path, reference)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0 or sys.platform != "linux",
                    reason="mounting a tmpfs needs root on Linux")
@pytest.mark.parametrize("kib", [200, 280, 360, 440])      # 200: full before generation 0
def test_a_run_that_fills_a_tmpfs(tmp_path, reference, kib):
    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        path = str(mnt / "x.h5")
        res = subprocess.run([sys.executable, "-m", "evo_l2l", "run", *ARGS, "-o", path],
                             capture_output=True, text=True, timeout=600)
        assert res.returncode == 2 and "no space left" in res.stderr, res.stderr
        assert len(res.stderr.strip().splitlines()) == 1
        copy = str(tmp_path / "x.h5")
        shutil.copy(path, copy)
    finally:
        subprocess.run(["umount", str(mnt)])
    check_full_disk_archive(copy, tmp_path, reference)
