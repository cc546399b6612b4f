"""A stop request is answered within about a second whatever one rule's lifetimes cost: a
generation's rules x tasks are cut into kernel calls of a fraction of a second (a numba call
cannot be interrupted), and the cut changes no number."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from evo_l2l import open_run
from evo_l2l.archive import ArchiveError
from evo_l2l.evolution import problem as problem_mod
from evo_l2l.evolution.loop import make_search
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.run import start_run
from evo_l2l.experiments import PRESETS

from test_evolution import arrays_of, assert_same_arrays

# One preset per learner kind the problems cut (coefficient and tree rules; single-layer,
# two-layer, conditioning, linear neuron, episode nets with shared or evolved initial
# weights, self-referential matrix, metaplastic, nets trained by an evolved optimizer,
# reward).
PRESETS_CUT = ["chalmers1990", "bengio1991-boolean", "bengio1991-conditioning",
               "confavreux2020-oja", "fewshot-digits", "fewshot-digits-init", "srwm-fewshot",
               "metaplastic-continual", "l2o-learned", "chalmers1990-gp", "jordan2021-error",
               "jordan2021-reward", "continual-digits-gp"]


def toy_config(name, **overrides):
    preset = PRESETS[name]
    return preset.default_config(**overrides).with_overrides(dict(preset.toy))


@pytest.mark.parametrize("name", PRESETS_CUT)
def test_fitness_cut_into_many_calls_equals_one_call(name, monkeypatch):
    """Fitness, not curves: episode nets leave the rows a final-accuracy fitness does not
    read unmeasured (NaN) in calls of many rules, so those rows depend on the cut."""
    config = toy_config(name, population=20)
    problem = make_problem(config, build_tasks(config))
    search = make_search(config, problem)
    search.rng.seed(5)
    genomes = search.ask().genomes
    rules = problem.rules_of(genomes)
    for split in ("train", "heldout"):
        whole = problem.fitness_of(rules, problem.splits[split])  # a task set: one call
        monkeypatch.setattr(problem_mod, "CALL_SECONDS", 1e-12)   # every block the smallest
        plan = problem.plans[split]
        blocks = plan.blocks(len(rules))
        cut = problem.fitness_of(rules, split)
        monkeypatch.undo()
        if len(rules) > problem_mod.MIN_BLOCK_RULES or not plan.cut_tasks:
            assert len({b[:2] for b in blocks}) > 1               # rules cut
        if plan.cut_tasks and len(plan.tasks) > 1:
            assert len({b[2:4] for b in blocks}) > 1              # tasks cut
        np.testing.assert_array_equal(cut, whole)


def test_a_run_cut_into_small_calls_is_the_same_run(tmp_path, monkeypatch):
    """The archive of a run whose calls are cut as small as they go equals the one of a
    run in as few calls as the rule chunks allow."""
    config = toy_config("fewshot-digits", population=20, n_generations=3, seed=2)
    start_run(config, str(tmp_path / "whole.h5"))
    monkeypatch.setattr(problem_mod, "CALL_SECONDS", 1e-12)
    start_run(config, str(tmp_path / "cut.h5"))
    assert_same_arrays(arrays_of(str(tmp_path / "cut.h5")), arrays_of(str(tmp_path / "whole.h5")))


def test_the_rate_estimate_bounds_the_work_of_a_call():
    """Once a call has been timed, a block is about CALL_SECONDS of work at that rate."""
    config = toy_config("fewshot-digits")
    plan = make_problem(config, build_tasks(config)).plans["train"]
    per_update = problem_mod.CALL_SECONDS / (3 * plan.rule_updates)   # 3 rules' work fits
    plan.timed(1, 0, len(plan.tasks), per_update * plan.rule_updates)
    blocks = plan.blocks(64)
    work = [(r1 - r0) * int(plan.task_updates[a:b].sum()) for r0, r1, a, b, _ in blocks]
    assert max(work) * per_update <= 1.01 * problem_mod.CALL_SECONDS
    assert sum(work) == 64 * plan.rule_updates                        # the batch, once


# A generation of 64 rules on 2000 five-way one-shot episodes: about 3 billion synaptic
# updates, tens of seconds in a single kernel call on 2 cores.
HEAVY = ["fewshot-digits", "-q", "--population", "64", "--generations", "5",
         "--set", "tasks.n_train_episodes=2000", "--flush-interval", "0.1"]
# Seconds from SIGTERM to exit: a call of about 0.2 s, closing the archive, and the
# interpreter's teardown (a second or more on a loaded 2-core machine).
STOP_BUDGET = 6.0


def running(path) -> bool:
    try:
        return open_run(path, populations=False).status == "running"
    except (ArchiveError, OSError):
        return False


def sigterm_after_start(cmd, path, delay=1.5):
    """Seconds from SIGTERM to exit, exit code, stdout, stderr of `cmd`, signalled `delay`
    seconds after its archive is marked running (its first generation under way)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.monotonic()
        while not running(path):
            assert proc.poll() is None and time.monotonic() - t0 < 240, proc.communicate()
            time.sleep(0.05)
        time.sleep(delay)                     # in the first generation's kernel calls
        assert proc.poll() is None, proc.communicate()
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=300)
        return time.monotonic() - sent, proc.returncode, out, err
    finally:
        proc.kill()


def test_sigterm_stops_a_run_with_long_lifetimes_within_seconds(tmp_path):
    path = str(tmp_path / "heavy.h5")
    cli = [sys.executable, "-m", "evo_l2l"]
    took, code, out, err = sigterm_after_start([*cli, "run", *HEAVY, "-o", path], path)
    assert code == 128 + signal.SIGTERM, err
    assert took < STOP_BUDGET, f"{took:.1f} s from SIGTERM to exit"
    run = open_run(path, populations=False)
    assert run.status == "interrupted" and run.n_generations_done == 0
    # The interrupted archive resumes (from the start: no generation was complete), and the
    # resumed run stops as promptly.
    took, code, out, err = sigterm_after_start([*cli, "resume", "-q", path], path)
    assert code == 128 + signal.SIGTERM, err
    assert took < STOP_BUDGET, f"{took:.1f} s from SIGTERM to exit (resumed)"
    assert open_run(path, populations=False).status == "interrupted"


def test_a_stopped_run_summarises_without_scoring_rules_again(tmp_path, capsys):
    """The summary of a run stopped by a signal is the archived best: scoring the best and
    the reference rule again took 20 s on a large task set, after the stop."""
    from evo_l2l.cli.run import _finish
    result = start_run(toy_config("chalmers1990", n_generations=3), str(tmp_path / "s.h5"))
    result.status, result.stop_signal = "interrupted", signal.SIGTERM

    def scored(*args, **kwargs):
        raise AssertionError("a rule was scored again")
    result.problem.fitness_of = scored
    with pytest.raises(SystemExit) as stop:
        _finish(result, as_json=False, quiet=True)
    assert stop.value.code == 128 + signal.SIGTERM
    out = capsys.readouterr().out
    last = result.last
    assert f"best rule (generation {last.hof_generation}): " in out
    assert f"fitness {last.hof_fitness:.4f} train, {last.hof_heldout:.4f} held-out" in out
