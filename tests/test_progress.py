"""Where a command works long, it says so on stderr: a line per numba kernel it compiles
(with the time that took on the reference machine and the warmup hint), a line per step of
`evaluate` on episodes, which seed of how many `run --seeds` runs and an ETA; nothing with
-q, and nothing from the library unless a caller asks."""
import os
import re
import subprocess
import sys

import numba
import pytest
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.kernels import compile_report

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fresh_kernel():
    """A kernel numba has never compiled, in evo_l2l.kernels' namespace (no disk cache):
    it compiles on its first call, as a kernel missing from the cache does, and calls a
    helper that compiles inside it."""
    def helper(x):
        return x + 1.0

    def kernel(x):
        return helper(x) * 2.0

    helper.__module__ = kernel.__module__ = "evo_l2l.kernels._fresh"
    helper.__qualname__, kernel.__qualname__ = "helper", "kernel"
    helper = numba.njit(helper)
    kernel.__globals__["helper"] = helper
    return numba.njit(kernel)


def test_a_compile_is_reported_once_with_its_time_helpers_inside_it():
    kernel = fresh_kernel()
    started, ended = [], []
    with compile_report.reporting_compiles(lambda n, e: started.append((n, e)),
                                           lambda n, s: ended.append((n, s))):
        assert kernel(1.0) == 4.0
        kernel(2.0)                     # compiled: nothing more
    assert started == [("_fresh.kernel", None)]
    assert [n for n, _ in ended] == ["_fresh.kernel"] and ended[0][1] > 0


def test_a_cached_kernel_is_not_reported_and_others_kernels_are_not():
    from evo_l2l.kernels.fastexp import fast_exp
    fast_exp(0.5)                       # loaded (or compiled) before the block
    seen = []
    plain = numba.njit(lambda x: x - 1.0)
    with compile_report.reporting_compiles(lambda n, e: seen.append(n)):
        fast_exp(0.25)
        plain(1.0)                      # compiles, but is nobody's kernel of evo_l2l
    assert seen == []


def test_the_library_prints_nothing_unless_asked(capsys):
    kernel = fresh_kernel()
    kernel(1.0)
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_expected_seconds_are_of_known_kernels():
    """Every timed kernel is a kernel of evo_l2l.kernels that exists."""
    import importlib
    assert compile_report.EXPECTED_SECONDS
    for name, seconds in compile_report.EXPECTED_SECONDS.items():
        module, func = name.split(".", 1)
        mod = importlib.import_module(f"evo_l2l.kernels.{module}")
        assert hasattr(mod, func.split(".")[0]), name
        assert seconds > 0


@pytest.fixture
def compiling_run(monkeypatch):
    """start_run first compiles a kernel numba has not compiled yet, as a cold cache does."""
    import evo_l2l.evolution.run as run_module
    real = run_module.start_run

    def start_run(*args, **kwargs):
        fresh_kernel()(1.0)
        return real(*args, **kwargs)

    monkeypatch.setattr(run_module, "start_run", start_run)
    monkeypatch.setitem(compile_report.EXPECTED_SECONDS, "_fresh.kernel", 42.0)


def test_run_names_each_kernel_it_compiles_with_the_expected_time(compiling_run, tmp_path):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--generations", "1",
                                    "-o", str(tmp_path / "r.h5")])
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    start = [line for line in lines if line.startswith("compiling numba kernel _fresh.kernel")]
    assert len(start) == 1
    assert f"about 42 s on {compile_report.MEASURED_ON}" in start[0]
    assert "`evo-l2l warmup`" in start[0]
    done = lines.index(start[0]) + 1
    assert lines[done].startswith("  _fresh.kernel compiled in ") and lines[done].endswith(" s")


@pytest.mark.parametrize("flag", ["-q", "--json"])
def test_run_quiet_prints_no_compile_lines(compiling_run, tmp_path, flag):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--generations", "1", flag,
                                    "-o", str(tmp_path / "r.h5")])
    assert res.exit_code == 0, res.output
    assert "compil" not in res.stderr


def test_a_cold_cache_shows_the_real_kernel_then_a_warm_one_nothing(tmp_path):
    """A process with an empty NUMBA_CACHE_DIR compiles chalmers1990's kernel and says so;
    the next one loads it from that cache and says nothing."""
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "cache"))
    cmd = [sys.executable, "-m", "evo_l2l", "run", "chalmers1990", "--generations", "1",
           "--force", "-o", str(tmp_path / "r.h5")]
    cold = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert cold.returncode == 0, cold.stderr
    name = "single_layer.train_chalmers_population"
    assert f"compiling numba kernel {name} (about " in cold.stderr
    assert f"  {name} compiled in " in cold.stderr
    warm = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert warm.returncode == 0, warm.stderr
    assert "compil" not in warm.stderr


# -- evaluate on episodes ---------------------------------------------------------------

@pytest.fixture(scope="module")
def fewshot_archive(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("progress") / "fewshot.h5")
    res = CliRunner().invoke(main, ["run", "fewshot-digits", "--generations", "1",
                                    "--population", "4", "-q", "-o", path,
                                    "--set", "tasks.n_train_episodes=4",
                                    "--set", "tasks.n_heldout=3"])
    assert res.exit_code == 0, res.output
    return path


def test_evaluate_on_episodes_shows_each_step(fewshot_archive):
    res = CliRunner().invoke(main, ["evaluate", fewshot_archive, "--n-tasks", "6"])
    assert res.exit_code == 0, res.output
    steps = [line for line in res.stderr.splitlines() if line.startswith("[")]
    # drawing, best and the reference rule (one learner call), five baselines
    assert len(steps) == 7, res.stderr
    assert [s.split("]")[0] for s in steps] == [f"[{k}/7" for k in range(1, 8)]
    assert "drawing the heldout episodes" in steps[0]
    assert "best (generation" in steps[1] and "on 6 episodes" in steps[1]
    assert "delta rule (rate" in steps[1]
    assert "backprop" in steps[-1] and steps[-1].endswith("s so far)")
    assert res.stdout.startswith(res.stdout.lstrip())     # the table alone on stdout
    assert "[1/7]" not in res.stdout


@pytest.mark.parametrize("flag", ["-q", "--json"])
def test_evaluate_quiet_shows_no_steps(fewshot_archive, flag):
    res = CliRunner().invoke(main, ["evaluate", fewshot_archive, "--n-tasks", "6", flag])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""


def test_evaluate_episodes_reports_steps_only_to_a_caller_that_asks(fewshot_archive, capsys):
    from evo_l2l import open_run
    from evo_l2l.analysis.curves import problem_for, rule_from_spec
    from evo_l2l.analysis.episode_eval import evaluate_episodes
    run = open_run(fewshot_archive)
    problem = problem_for(run)
    chosen = [("best", *rule_from_spec(run, problem, "best"))]
    evaluate_episodes(run, problem, chosen, "heldout", 4, with_baselines=False)
    assert capsys.readouterr().err == ""
    seen = []
    evaluate_episodes(run, problem, chosen, "heldout", 4, with_baselines=False,
                      progress=lambda k, n, label: seen.append((k, n)))
    assert seen == [(1, 2), (2, 2)]


# -- run --seeds ------------------------------------------------------------------------

def test_seeds_say_which_seed_of_how_many_runs_and_an_eta(tmp_path):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--seeds", "3-5", "--generations",
                                    "1", "-o", str(tmp_path / "s{seed}.h5")])
    assert res.exit_code == 0, res.output
    lines = [line for line in res.stderr.splitlines() if line.startswith("[")]
    assert lines[0] == "[1/3] seed 3: running"
    assert lines[1].startswith("[1/3] seed 3: complete") and ", ETA " in lines[1]
    assert lines[2].startswith("[2/3] seed 4: running, ETA ")
    assert lines[-1].startswith("[3/3] seed 5: complete") and "ETA" not in lines[-1]


def test_seeds_quiet_say_nothing(tmp_path):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--seeds", "3-4", "--generations",
                                    "1", "-q", "-o", str(tmp_path / "s{seed}.h5")])
    assert res.exit_code == 0, res.output
    assert res.stderr == ""


def test_eta_text():
    from evo_l2l.cli.seeds import eta_text
    assert eta_text(10.0, 0, 4) == ""
    assert eta_text(10.0, 1, 4) == ", ETA 30 s"
    assert eta_text(100.0, 1, 3) == ", ETA 3 min 20 s"
    assert eta_text(4000.0, 1, 2) == ", ETA 1 h 6 min"
    assert eta_text(10.0, 4, 4) == ""


def test_the_compile_times_script_times_a_preset_on_a_cold_cache(tmp_path):
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "kernel_compile_times.py"),
                           "chalmers1990"], capture_output=True, text=True, timeout=600,
                          cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    table = proc.stdout.split("EXPECTED_SECONDS: dict[str, float] = {\n")[1]
    rows = dict(line.strip().rstrip(",").split(": ") for line in table.splitlines()[:-1])
    assert list(rows) == ['"single_layer.train_chalmers_population"']
    assert float(rows['"single_layer.train_chalmers_population"']) > 0.5   # compiled, not loaded
    assert re.search(r"^# single_layer\.train_chalmers_population +[\d.]+ s \(CPU [\d.]+ s\)$",
                     proc.stdout, re.M), proc.stdout
    bad = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "kernel_compile_times.py"),
                          "nosuch"], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert bad.returncode != 0 and "unknown preset 'nosuch'" in bad.stderr


def test_seeds_on_a_pool_say_how_many_and_an_eta_as_runs_end(tmp_path):
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--seeds", "0-2", "--generations",
                                    "1", "--workers", "2", "-o", str(tmp_path / "s{seed}.h5")])
    assert res.exit_code == 0, res.output
    lines = res.stderr.splitlines()
    assert any(line.startswith("3 runs (seeds 0, 1, 2) on ") for line in lines), res.stderr
    done = [line for line in lines if line.startswith("[")]
    assert [d.split("]")[0] for d in done] == ["[1/3", "[2/3", "[3/3"]
    assert ", ETA " in done[0] and ", ETA " in done[1] and "ETA" not in done[2]
