"""Archives of format 1.0 (made by evo_l2l before the component redesign) stay readable.

tests/fixtures/archive_1_0/KIND.h5 holds a 4-generation run of each optimizer kind
(population 8, seed 1); KIND_continued.npz the 6 generations that the same config
gave when run to 6 in one go, by the code that wrote the fixtures. Resuming a
fixture to 6 generations must give exactly those; CMA-ES to within 1e-9, because
its covariance update and eigen-decomposition run in the machine's BLAS/LAPACK,
whose sums differ between CPU kinds (the fixtures were written on an Intel Xeon;
on an AMD EPYC the continuation differs by 9e-13).
"""
import os
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.run import resume_run

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures", "archive_1_0")
KINDS = ("ga", "gp", "cmaes", "es", "sa")


@pytest.fixture(params=KINDS)
def fixture_copy(request, tmp_path):
    path = str(tmp_path / f"{request.param}.h5")
    shutil.copy(os.path.join(FIXTURES, f"{request.param}.h5"), path)
    return request.param, path


def test_opens(fixture_copy):
    _, path = fixture_copy
    run = open_run(path)
    assert run.attrs["format_version"] == "1.0"
    assert run.n_generations_done == 4 and run.status == "complete"


def test_commands_work(fixture_copy, tmp_path):
    _, path = fixture_copy
    runner = CliRunner()
    for args in (["info", path], ["best", path, "--top", "2"],
                 ["evaluate", path, "--rule", "best", "--rule", "reference"],
                 ["plot", path, "-o", str(tmp_path / "p.png")]):
        res = runner.invoke(main, args)
        assert res.exit_code == 0, (args, res.output)


def test_resume_continues_exactly(fixture_copy):
    kind, path = fixture_copy
    resume_run(path, n_generations=6)
    run = open_run(path)
    assert run.attrs["format_version"] == "2.1"          # resuming rewrote it in sections
    assert "optimizer_state" not in run.state and isinstance(run.state["optimizer"], dict)
    want = np.load(os.path.join(FIXTURES, f"{kind}_continued.npz"))
    genome = run.generations["population_genome"]
    if genome.dtype == object:
        genome = genome.astype(str)
    same = (np.testing.assert_array_equal if kind != "cmaes"
            else lambda a, b: np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12))
    same(genome, want["population_genome"])
    same(run.generations["population_fitness"], want["population_fitness"])
    same(run.generations["best_so_far_fitness"], want["best_so_far_fitness"])
    old = np.load(os.path.join(FIXTURES, f"{kind}_continued.npz"))["population_fitness"][:4]
    np.testing.assert_array_equal(run.generations["population_fitness"][:4], old)  # kept as written


def test_resumed_1_0_archive_is_checksummed_and_says_its_new_target(fixture_copy):
    import h5py
    kind, path = fixture_copy
    resume_run(path, n_generations=6)
    with h5py.File(path, "r") as f:
        assert f["generations/population_fitness"].fletcher32
    assert open_run(path).config.run.n_generations == 6
    res = CliRunner().invoke(main, ["verify", path])
    assert res.exit_code == 0 and "intact" in res.output and "no checksums" not in res.output
