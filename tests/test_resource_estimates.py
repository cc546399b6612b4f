"""Memory and disk are estimated from the config before anything big is allocated or
written: a run that would not fit is refused in one line, a large archive is announced."""
import os
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

import evo_l2l.evolution.run as run_module
from evo_l2l.cli import main
from evo_l2l.errors import ConfigError
from evo_l2l.evolution.problem import build_tasks
from evo_l2l.evolution.run import archive_growth, check_memory, start_run, task_set_size
from evo_l2l.experiments import PRESETS


def toy_config(name, **overrides):
    preset = PRESETS[name]
    return preset.default_config(**overrides).with_overrides(dict(preset.toy))


@pytest.mark.parametrize("name", ["chalmers1990", "confavreux2020-oja", "jordan2021-error",
                                  "fewshot-digits", "continual-digits", "continual-mnist1d-gp",
                                  "continual-split-digits", "fewshot-glyphs-rule",
                                  "continual-glyphs-gp", "l2o-learned", "automl-zero-linear",
                                  "automl-zero-digits"])
def test_the_task_set_size_from_the_config_is_the_built_sets(name):
    config = toy_config(name)
    n_tasks, n_bytes, setting = task_set_size(config)
    tasks = build_tasks(config)
    assert n_tasks == len(tasks) and setting.startswith("tasks.")
    assert n_bytes == sum(a.nbytes for a in tasks.arrays().values())


HUGE = {"tasks.n_train_episodes": 10_000_000}      # a task set of about 800 GB


def test_a_task_set_too_big_is_refused_from_the_config_alone():
    config = PRESETS["fewshot-digits"].default_config().with_overrides(HUGE)
    t0 = time.perf_counter()
    with pytest.raises(ConfigError) as err:
        check_memory(config)
    assert time.perf_counter() - t0 < 0.5
    message = str(err.value)
    assert "an estimate" in message and "task set of about 807.6 GB" in message
    assert message.endswith("lower tasks.n_train_episodes")


# Runs a command with its address space capped and prints its peak memory (kB). The command
# is forked from this small launcher, not from the test process: a child forked from a big
# process (a whole test session, 1.4 GB) starts with that process's pages resident, and its
# peak says so.
_LAUNCHER = """
import os, resource, sys
cap = int(sys.argv[1])
pid = os.fork()
if pid == 0:
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    os.execv(sys.executable, [sys.executable] + sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def test_the_run_refuses_before_allocating_anything(tmp_path):
    """The command exits 2 in one line with its peak memory that of the libraries (the
    address space is capped, so a command that started drawing the tasks fails fast)."""
    path = str(tmp_path / "huge.h5")
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, str(4 << 30), "-m", "evo_l2l", "run",
                          "fewshot-digits", "-q", "--set", "tasks.n_train_episodes=10000000",
                          "-o", path], capture_output=True, text=True, timeout=300)
    err = out.stderr
    assert out.returncode == 2, err
    assert err.count("\n") == 1 and "an estimate" in err and "tasks.n_train_episodes" in err
    assert not os.path.exists(path)
    peak = int(out.stdout.split()[-1])                   # kB
    assert peak < 400 * 1024, f"peak {peak / 1024:.0f} MB"


@pytest.mark.parametrize("name", ["chalmers1990", "confavreux2020-oja", "chalmers1990-gp",
                                  "fewshot-digits-gp", "automl-zero-linear"])
def test_the_archive_growth_estimate_is_within_half_again(name, tmp_path):
    sizes = {}
    for n in (10, 40):
        path = str(tmp_path / f"{n}.h5")
        result = start_run(toy_config(name, n_generations=n), path)
        assert result.status == "complete" and result.last.generation + 1 == n
        sizes[n] = os.path.getsize(path)
    actual = (sizes[40] - sizes[10]) / 30
    estimate = archive_growth(result.config, result.problem)
    assert 1 / 1.5 <= estimate / actual <= 1.5, (estimate, actual)


def test_a_large_archive_is_announced_in_one_line():
    runner = CliRunner()
    # 2113 coefficients an individual, genome and coefficients: 400 make 13.6 MB a generation.
    res = runner.invoke(main, ["run", "fewshot-digits-init", "--toy", "--population", "400",
                               "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "# disk: the archive grows by about 13.6 MB a generation" in res.stdout
    warning = [line for line in res.stderr.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "13.6 MB a generation (population 400)" in warning[0]
    assert "run.population" in warning[0]
    res = runner.invoke(main, ["run", "fewshot-digits-init", "--toy", "--dry-run"])
    assert res.exit_code == 0 and "warning:" not in res.stderr


def test_the_run_passes_the_warning_on_before_it_starts(tmp_path, monkeypatch):
    monkeypatch.setattr(run_module, "DISK_WARN_BYTES_PER_GENERATION", 1)
    lines, seen = [], []
    start_run(toy_config("chalmers1990", n_generations=2), str(tmp_path / "w.h5"),
              notify=lines.append, hooks=[lambda record: seen.append(len(lines))])
    assert len(lines) == 1 and lines[0].startswith("warning: the archive will grow")
    assert seen[0] == 1                                 # before the first generation


def test_resume_warns_for_the_generations_still_to_run(tmp_path, monkeypatch):
    path = str(tmp_path / "r.h5")
    start_run(toy_config("chalmers1990", n_generations=2), path)
    per = archive_growth(toy_config("chalmers1990"), run_module.result_from_archive(path).problem)
    monkeypatch.setattr(run_module, "DISK_WARN_BYTES", 5 * per)
    lines = []
    run_module.resume_run(path, 6, notify=lines.append)          # 4 more: no warning
    run_module.resume_run(path, 12, notify=lines.append)         # 6 more
    assert len(lines) == 1 and "over 6 generations" in lines[0]


def test_an_archive_the_disk_cannot_hold_is_refused(tmp_path):
    path = str(tmp_path / "big.h5")
    res = CliRunner().invoke(main, ["run", "chalmers1990", "--population", "100000",
                                    "--generations", "1000000000", "-q", "-o", path])
    assert res.exit_code == 2 and res.output.count("\n") == 1, res.output
    assert "GB free" in res.output and "run.population or run.n_generations" in res.output
    assert not os.path.exists(path)
