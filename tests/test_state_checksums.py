"""Each /state slot carries a sha256 of all its data, written with it (format 2.1).

A changed byte in the slot a resume would continue from (its random state, its
genome texts) is corruption to verify; resume continues from the other slot, the
previous generation, when that slot is intact (a resumed run is exact, so it then
ends as the uninterrupted run does), and otherwise refuses in one line, exit 2,
leaving the file as it was. Archives of format 2.0 (no slot checksums;
tests/fixtures/archive_2_0: 4 generations, population 8, seed 1, written by the code
before slot checksums, with the 6 generations the same config gave in one go) still
open, verify and resume exactly.
"""
import hashlib
import os
import shutil
import struct

import h5py
import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS

from test_evolution import arrays_of, assert_same_arrays

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "archive_2_0")


def config(n_generations):
    preset = PRESETS["chalmers1990-gp"]
    return preset.default_config(seed=2, population=10, n_generations=n_generations,
                                 flush_interval=0.001)      # a flush (a slot) per generation


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A 6-generation run (both slots written), and the same run taken to 8 in one go."""
    folder = tmp_path_factory.mktemp("runs")
    short, full = str(folder / "short.h5"), str(folder / "full.h5")
    start_run(config(6), short)
    start_run(config(8), full)
    return short, arrays_of(full)


@pytest.fixture
def archive(runs, tmp_path):
    path = str(tmp_path / "a.h5")
    shutil.copy(runs[0], path)
    return path


def current_slot(path):
    with h5py.File(path, "r") as f:
        return int(f["state/current"][1])


def flip(path, dataset, at=0):
    """XORs byte `at` of a contiguous dataset's stored bytes with 1."""
    with h5py.File(path, "r") as f:
        offset = f[dataset].id.get_offset()
    with open(path, "r+b") as fh:
        fh.seek(offset + at)
        byte = fh.read(1)[0]
        fh.seek(offset + at)
        fh.write(bytes([byte ^ 1]))


def flip_text(path, dataset, index=0, at=3):
    """XORs byte `at` of the text of element `index` (in HDF5's global heap) with 1."""
    with h5py.File(path, "r") as f:
        offset = f[dataset].id.get_offset()
    with open(path, "r+b") as fh:
        fh.seek(offset + 16 * index)
        length, collection, obj = struct.unpack("<IQI", fh.read(16))
        fh.seek(collection + 8)
        end = collection + struct.unpack("<Q", fh.read(8))[0]
        p = collection + 16
        while p < end:
            fh.seek(p)
            idx, _, _, size = struct.unpack("<HHIQ", fh.read(16))
            if idx == obj:
                assert 0 <= at < length
                fh.seek(p + 16 + at)
                byte = fh.read(1)[0]
                fh.seek(p + 16 + at)
                fh.write(bytes([byte ^ 1]))
                return
            p += 16 + (size + 7) // 8 * 8
    raise AssertionError("heap object not found")


def digest(path):
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def verify(path):
    return CliRunner().invoke(main, ["verify", path])


def resume(path, n=8):
    return CliRunner().invoke(main, ["resume", path, "--generations", str(n), "-q"])


def assert_continues_exactly(path, reference):
    a, b = arrays_of(path), dict(reference)
    a.pop("state/n_generations_target"), b.pop("state/n_generations_target")
    assert_same_arrays(a, b)


def test_a_new_archive_checksums_its_slots(archive):
    with h5py.File(archive, "r") as f:
        assert f.attrs["format_version"] == "2.1"
        for k in (0, 1):
            assert len(f[f"state/slot{k}/checksum"][()]) == 64
            assert f[f"state/slot{k}/generation"][()] in (4, 5)
    res = verify(archive)
    assert res.exit_code == 0 and "intact" in res.output


@pytest.mark.parametrize("dataset", ["py_random_state", "py_random_gauss", "hof_fitness",
                                     "population_fitness", "cache_rows", "elapsed"])
def test_a_changed_byte_in_the_current_slot_is_corruption_and_resume_uses_the_other(
        archive, runs, dataset):
    slot = current_slot(archive)
    flip(archive, f"state/slot{slot}/{dataset}", at=5)
    res = verify(archive)
    assert res.exit_code == 2 and f"slot{slot}" in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1
    res = CliRunner().invoke(main, ["info", archive])          # its cheap checks too
    assert res.exit_code == 2 and f"slot{slot}" in res.output, res.output
    res = resume(archive)
    assert res.exit_code == 0, res.output
    assert_continues_exactly(archive, runs[1])


@pytest.mark.parametrize("dataset", ["population_genome", "hof_genome"])
def test_a_changed_genome_text_in_the_current_slot_is_found_too(archive, runs, dataset):
    slot = current_slot(archive)
    flip_text(archive, f"state/slot{slot}/{dataset}")
    res = verify(archive)
    assert res.exit_code == 2 and f"slot{slot}" in res.output, res.output
    res = resume(archive)
    assert res.exit_code == 0, res.output
    assert_continues_exactly(archive, runs[1])


def test_a_changed_current_pointer_finds_the_newest_intact_slot(archive, runs):
    flip(archive, "state/current", at=1)                # generation 5 -> 261
    assert verify(archive).exit_code == 2
    res = resume(archive)
    assert res.exit_code == 0, res.output
    assert_continues_exactly(archive, runs[1])


def test_both_slots_damaged_refuses_in_one_line_and_changes_nothing(archive):
    for k in (0, 1):
        flip(archive, f"state/slot{k}/py_random_state", at=800)
    before = digest(archive)
    res = resume(archive)
    assert res.exit_code == 2, res.output
    lines = res.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in res.output and "slot" in lines[0], lines
    assert digest(archive) == before
    assert open_run(archive).n_generations_done == 6          # still reads


def test_a_changed_target_is_corruption_and_the_config_decides(archive, runs):
    flip(archive, "state/n_generations_target", at=4)
    assert verify(archive).exit_code == 2
    assert open_run(archive).state["n_generations_target"] == 6
    res = resume(archive)
    assert res.exit_code == 0, res.output
    assert_continues_exactly(archive, runs[1])


@pytest.fixture(params=["ga", "gp", "cmaes"])
def fixture_2_0(request, tmp_path):
    path = str(tmp_path / f"{request.param}.h5")
    shutil.copy(os.path.join(FIXTURES, f"{request.param}.h5"), path)
    return request.param, path


def test_format_2_0_archives_open_verify_and_resume_exactly(fixture_2_0):
    kind, path = fixture_2_0
    run = open_run(path)
    assert run.attrs["format_version"] == "2.0" and run.n_generations_done == 4
    res = verify(path)
    assert res.exit_code == 0 and "intact" in res.output, res.output
    resume_run(path, n_generations=6)
    run = open_run(path)
    assert run.attrs["format_version"] == "2.1"
    want = np.load(os.path.join(FIXTURES, f"{kind}_continued.npz"))
    genome = run.generations["population_genome"]
    if genome.dtype == object:
        genome = genome.astype(str)
    # CMA-ES: the machine's BLAS/LAPACK sums (tests/test_archive_compat.py)
    same = (np.testing.assert_array_equal if kind != "cmaes"
            else lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12))
    for name, got in (("population_genome", genome),
                      ("population_fitness", run.generations["population_fitness"]),
                      ("best_so_far_fitness", run.generations["best_so_far_fitness"])):
        same(got, want[name])
    res = verify(path)
    assert res.exit_code == 0 and "intact" in res.output, res.output
