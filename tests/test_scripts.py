"""The scripts in scripts/ run end to end at toy sizes (their full runs live in docs/)."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_script(name, *args, cwd):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", name), *args],
                          cwd=cwd, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


@pytest.mark.parametrize("name, args, expect", [
    ("reproduce_chalmers1990.py", ["--seeds", "2", "--generations", "3"], "delta-rule rediscoveries"),
    ("reproduce_chalmers1990.py", ["--seeds", "2", "--generations", "3", "--workers", "2"],
     "delta-rule rediscoveries"),
    ("reproduce_chalmers1990.py", ["--preset", "chalmers1990-modern", "--seeds", "1",
                                   "--first-seed", "100", "--generations", "2",
                                   "--set", "population=40", "--set", "optimizer.islands=2"],
     "delta-like, held-out >= delta's"),
    ("reproduce_chalmers1990.py", ["--diversity", "--runs", "1", "--generations", "2",
                                   "--max-tasks", "2"], "training tasks"),
    ("chalmers_landscape.py", ["--seeds", "1", "--starts", "1", "--climb-seeds", "0"],
     "delta-like rules on the grid"),
    ("reproduce_gp.py", ["--preset", "chalmers1990-gp", "--seeds", "2", "--generations", "2",
                         "--dask-local", "2"], "known forms found"),
    ("bench_executors.py", ["--quick", "--rounds", "1", "--skip", "heavy,seeds"],
     "archives identical to in-process: True"),
    ("reproduce_gp.py", ["--preset", "jordan2021-reward", "--seeds", "1", "--generations", "2",
                         "--size-run", "3"], "known forms found"),
    ("reproduce_confavreux2020.py", ["--seeds", "1", "--generations", "2"], "Oja"),
    ("reproduce_confavreux2020.py", ["--seeds", "1", "--generations", "2", "--optimizer", "ga"],
     "optimizer ga"),
    ("reproduce_bengio1991.py", ["--seeds", "1", "--generations", "2"], "bengio1991-boolean"),
    ("reproduce_bengio1991_conditioning.py", ["--seeds", "1", "--generations", "2"], "seed"),
    ("compare_optimizers.py", ["--preset", "chalmers1990", "--seeds", "1", "--generations", "2"],
     "optimiser"),
    ("bench_symbolic.py", ["--rules", "4", "--repeats", "1"], "interpreter / parametric"),
    ("crash_test.py", ["--kills", "2", "--generations", "200"], "resumed to the reference result"),
    ("gen_config_docs.py", ["--check"], "up to date"),
    ("reproduce_digits_l2l.py", ["--toy", "--generations", "2", "--episodes", "10",
                                 "--sequences", "2", "--presets", "fewshot-digits",
                                 "continual-split-digits", "fewshot-digits-init", "--ways",
                                 "2", "--shots", "1"],
     "joint logistic regression"),
    ("fewshot_init_probes.py", ["--episodes", "5"], "LDA-27 of the 28 classes"),
    ("reproduce_fewshot_glyphs.py", ["--toy", "--episodes", "20", "--validation", "10",
                                     "--presets", "glyphs-5way-1shot", "glyphs-to-digits"],
     "the baseline (best on validation)"),
    ("bench_fewshot.py", ["--size", "14", "--episodes", "20"], "kernel / NumPy speed"),
    ("reproduce_digits_gp.py", ["--toy", "--generations", "2", "--episodes", "10",
                                "--sequences", "2", "--presets", "continual-digits-gp",
                                "fewshot-digits-gp", "--shots", "2"], "Other shots"),
    ("reproduce_digits_gp.py", ["--toy", "--sequences", "2", "--presets", "continual-digits-gp",
                                "--sweep", "16:4", "12:2"], "| 12 | 2 |"),
    ("self_adaptation_oja.py", ["--seeds", "1", "--generations", "3"], "best fixed strength"),
    ("meta_chalmers.py", ["--toy", "--level3", "--level2", "meta/level2.h5"], "level-3 evolved"),
    # not cmaes.h5: CMA-ES runs its update in the machine's BLAS/LAPACK, so a rerun on
    # another CPU kind can differ (eigenvector signs); see test_archive_compat.
    ("same_results.py", [os.path.join(ROOT, "tests", "fixtures", "archive_1_0", f"{k}.h5")
                         for k in ("ga", "gp", "es", "sa")], "same tasks and arrays"),
    ("bench_srwm.py", ["--rules", "2", "--episodes", "4", "--loop-episodes", "2", "--repeats", "1"],
     "kernel / loop"),
    ("srwm_fewshot.py", ["--generations", "2", "--population", "4", "--train-episodes", "4",
                         "--n-eval", "4", "--variants", "full,none", "--out", "srwm"], "1-NN"),
    ("metaplastic_continual.py", ["--generations", "2", "--population", "4", "--n-eval", "2",
                                  "--toy", "--out", "mp"], "second rule off"),
    ("reproduce_automl_zero.py", ["--toy", "--seeds", "2", "--individuals", "100"],
     "success rate ratio evolution / random search"),
    ("reproduce_automl_zero.py", ["--toy", "--seeds", "1", "--individuals", "200", "--demo",
                                  "--fec-verify", "--restarts", "60", "--no-fec-off"],
     "collisions"),
    ("reproduce_automl_zero.py", ["--toy", "--seeds", "1", "--individuals", "60", "--digits"],
     "vs logistic regression"),
    ("bench_automl_zero.py", ["--toy", "--repeats", "1"], "live rows:"),
    ("digest_automl_zero.py", ["--toy", "--out", "dig"], "automl-zero-digits"),
    ("random_bound_automl_zero.py", ["--toy", "--evolution", "3/5"], "per-program success p <"),
    ("corrupt_test.py", ["--copies", "2", "--generations", "4", "--population", "6"],
     "verify detected 2/2"),
])
def test_script_runs(tmp_path, name, args, expect):
    if name.startswith(("reproduce_", "compare_", "self_adaptation")):   # archives under --out
        args = [*args, "--out", str(tmp_path / "runs")]
    out = run_script(name, *args, cwd=tmp_path)
    assert expect in out


def test_kernel_bitwise_check_saves_and_matches_itself(tmp_path):
    """scripts/check_kernels_bitwise.py: the wrappers are deterministic to the bit, and it says so."""
    ref = str(tmp_path / "ref.npz")
    assert "saved" in run_script("check_kernels_bitwise.py", "save", ref, cwd=tmp_path)
    assert "bit-identical" in run_script("check_kernels_bitwise.py", "check", ref, cwd=tmp_path)


def test_automl_learner_script(tmp_path):
    """scripts/automl_learner.py --toy: the four methods, their table, and report --baselines."""
    pytest.importorskip("optuna")
    out = run_script("automl_learner.py", "--toy", "--out", "automl", cwd=tmp_path)
    for label in ("mixed_ga", "hand-set learner", "Optuna TPE", "random search over the joint"):
        assert label in out
    from click.testing import CliRunner
    from evo_l2l.cli import main
    res = CliRunner().invoke(main, ["report", str(tmp_path / "automl" / "joint-seed0.h5"), "-o",
                                    str(tmp_path / "rep"), "--baselines",
                                    str(tmp_path / "automl" / "automl_learner.json")])
    assert res.exit_code == 0, res.output
    assert "Optuna TPE" in (tmp_path / "rep" / "report.md").read_text()
    again = run_script("automl_learner.py", "--summarise",
                       str(tmp_path / "automl" / "automl_learner.json"), cwd=tmp_path)
    assert out.split("\n\n| method", 1)[1].split("seconds per method")[0].strip() in again


def test_automl_learner_script_names_the_extra_without_optuna(tmp_path):
    """Without optuna the script ends in one line naming the extra (exit 2), no traceback."""
    (tmp_path / "optuna").mkdir()
    (tmp_path / "optuna" / "__init__.py").write_text("raise ImportError('no optuna here')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), ROOT]))
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "automl_learner.py"),
                           "--toy", "--out", "x"], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: the Optuna baseline needs optuna: pip install 'evo_l2l[automl]'"]
