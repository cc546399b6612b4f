"""The command line through click's CliRunner, in a temporary folder."""
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l.cli import main

TINY = ["--generations", "6", "--population", "8", "-q"]


@pytest.fixture
def runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_run_writes_default_archive_and_summary(runner):
    res = runner.invoke(main, ["run", "chalmers1990", *TINY])
    assert res.exit_code == 0, res.output
    assert os.path.exists("runs/chalmers1990-seed0.h5")
    assert "best rule (generation" in res.output and "delta rule (rate" in res.output
    assert "held-out (10 tasks)" in res.output


def test_run_json_best_info(runner):
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "--seed", "2", "-o", "a.h5", "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["generations"] == 6 and summary["status"] == "complete"
    best = json.loads(runner.invoke(main, ["best", "a.h5", "--json"]).output)
    assert best["fitness"] == pytest.approx(summary["best"]["fitness"], abs=0)
    assert set(best["coefficients"]) == {f"k{i}" for i in range(11)}
    top = json.loads(runner.invoke(main, ["best", "a.h5", "--top", "3", "--json"]).output)
    assert [r["rank"] for r in top] == [1, 2, 3]
    assert top[0]["fitness"] >= top[1]["fitness"] >= top[2]["fitness"]
    info = json.loads(runner.invoke(main, ["info", "a.h5", "--json"]).output)
    assert info["seed"] == 2 and info["generations_done"] == 6 and info["status"] == "complete"


def test_resume_extends(runner):
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    res = runner.invoke(main, ["resume", "a.h5", "--generations", "9", "-q"])
    assert res.exit_code == 0, res.output
    info = json.loads(runner.invoke(main, ["info", "a.h5", "--json"]).output)
    assert info["generations_done"] == 9
    res = runner.invoke(main, ["resume", "a.h5", "--generations", "4", "-q"])
    assert res.exit_code == 2 and "already has 9" in res.output


def test_resume_of_a_complete_run_says_so_and_keeps_its_wall_time(runner):
    # Review nit 13: resuming a complete run printed "complete, 0.0 s" (this session's time).
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    before = open("a.h5", "rb").read()
    info = json.loads(runner.invoke(main, ["info", "a.h5", "--json"]).output)
    res = runner.invoke(main, ["resume", "a.h5", "-q"])
    assert res.exit_code == 0, res.output
    assert "nothing to resume: a.h5 is complete (6 generations)" in res.output
    assert f"{info['wall_seconds']:.1f} s of evolution in all sessions" in res.output
    assert open("a.h5", "rb").read() == before          # not rewritten
    summary = json.loads(runner.invoke(main, ["resume", "a.h5", "--json"]).stdout)
    assert summary["evolution_seconds_all_sessions"] == info["wall_seconds"]
    res = runner.invoke(main, ["resume", "a.h5", "--generations", "8", "-q"])
    assert res.exit_code == 0 and "nothing to resume" not in res.output
    assert "8 generations, complete" in res.output and "in this one" in res.output


def test_run_toy_applies_the_presets_toy_overrides_and_records_them(runner):
    # Review nit 10: the presets' toy sizes had no documented way to be run.
    from evo_l2l import open_run
    from evo_l2l.experiments import PRESETS
    toy = PRESETS["fewshot-digits"].toy
    assert toy
    help_text = runner.invoke(main, ["run", "--help"]).output
    assert "--toy" in help_text and "toy overrides" in help_text
    res = runner.invoke(main, ["run", "fewshot-digits", "--toy", "--generations", "2",
                               "--population", "4", "-q", "--set", "tasks.n_heldout=3"])
    assert res.exit_code == 0, res.output
    run = open_run("runs/fewshot-digits-toy-seed0.h5")
    config = run.config.to_dict()
    assert config["run"]["toy"] is True
    for key, value in toy.items():
        section, name = key.split(".")
        # --set wins over the toy overrides; the rest are the toy values.
        assert config[section][name] == (3 if key == "tasks.n_heldout" else value), key
    assert int((run.tasks.split == 1).sum()) == 3
    info = runner.invoke(main, ["info", "runs/fewshot-digits-toy-seed0.h5"]).output
    assert "fewshot-digits (toy size: run --toy)" in info
    # Without --toy: the preset's own sizes, unlabelled.
    full = PRESETS["fewshot-digits"].default_config()
    assert full.run.toy is False
    assert any(getattr(full.tasks.settings, k.split(".")[1]) != v for k, v in toy.items())
    # A preset with no toy overrides says so.
    res = runner.invoke(main, ["run", "chalmers1990", "--toy", "--dry-run"])
    assert res.exit_code == 0 and "small already" in res.output
    assert "toy = true" in res.output and "runs/chalmers1990-toy-seed0.h5" in res.output


def test_experiments_lists_presets(runner):
    res = runner.invoke(main, ["experiments"])
    assert res.exit_code == 0 and "chalmers1990" in res.output and "Chalmers 1990" in res.output


@pytest.mark.parametrize("args, message", [
    (["run", "nope"], "unknown experiment"),
    (["run", "chalmers1990", "--set", "population=1"], "population must be >= 2"),
    (["run", "chalmers1990", "--set", "colour=red"], "unknown setting"),
    (["run", "chalmers1990", "--set", "novalue"], "KEY=VALUE"),
    (["run", "chalmers1990", "--set", "genome=tree"], "genome must be one of"),
    (["run", "chalmers1990", "--config", "missing.toml"], "cannot read config file"),
    (["best", "missing.h5"], "no such file"),
    (["info", "missing.h5"], "no such file"),
    (["resume", "missing.h5"], "no such file"),
])
def test_bad_input_is_one_line_and_exit_2(runner, args, message):
    res = runner.invoke(main, args)
    assert res.exit_code == 2, res.output
    assert message in res.output
    assert "Traceback" not in res.output


def test_bad_click_option_exit_2(runner):
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "0"])
    assert res.exit_code == 2 and "Traceback" not in res.output


def test_config_file(runner, tmp_path):
    (tmp_path / "c.toml").write_text("population = 6\nn_generations = 3\nclip = 10\n")
    res = runner.invoke(main, ["run", "chalmers1990", "--config", "c.toml", "-q", "-o", "c.h5", "--json"])
    assert res.exit_code == 0, res.output
    info = json.loads(runner.invoke(main, ["info", "c.h5", "--json"]).output)
    assert info["config"]["run"]["population"] == 6 and info["config"]["learner"]["clip"] == 10.0
    (tmp_path / "bad.toml").write_text("population = [\n")
    res = runner.invoke(main, ["run", "chalmers1990", "--config", "bad.toml"])
    assert res.exit_code == 2 and "not valid TOML" in res.output


def test_existing_archive_needs_force(runner):
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    before = open("a.h5", "rb").read()
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"])
    assert res.exit_code == 2 and "--force" in res.output
    assert open("a.h5", "rb").read() == before
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5", "--force"]).exit_code == 0


def test_bad_archive_for_best(runner):
    open("x.h5", "w").write("not hdf5")
    res = runner.invoke(main, ["best", "x.h5"])
    assert res.exit_code == 2 and "not an HDF5 file" in res.output


@pytest.mark.parametrize("args", [["--help"], ["experiments"], ["run", "--help"]])
def test_light_commands_do_not_import_numba(args):
    import subprocess
    import sys
    code = ("import sys\nfrom click.testing import CliRunner\nfrom evo_l2l.cli import main\n"
            f"r = CliRunner().invoke(main, {args!r})\nassert r.exit_code == 0, r.output\n"
            "heavy = [m for m in ('numba', 'h5py', 'deap', 'matplotlib') if m in sys.modules]\n"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_components_lists_sections_and_settings(runner):
    res = runner.invoke(main, ["components"])
    assert res.exit_code == 0, res.output
    for text in ("[optimizer]", "cmaes", "optimizer.sigma = 0.5", "[learner]", "linear_neuron",
                 "learner.eta", "[tasks]", "provides:", "[rule]", "rule.genome"):
        assert text in res.output
    res = runner.invoke(main, ["components", "learner", "nope"])
    assert res.exit_code == 2 and "unknown learner 'nope'" in res.output


def test_preset_config_round_trips_through_a_file(runner):
    res = runner.invoke(main, ["experiments", "confavreux2020-oja"])
    assert res.exit_code == 0 and "[optimizer]" in res.output and 'name = "cmaes"' in res.output
    open("oja.toml", "w").write(res.output.replace("sigma = 0.5", "sigma = 0.25"))
    res = runner.invoke(main, ["run", "confavreux2020-oja", "--config", "oja.toml", *TINY, "-o", "o.h5"])
    assert res.exit_code == 0, res.output
    info = json.loads(runner.invoke(main, ["info", "o.h5", "--json"]).output)
    assert info["config"]["optimizer"] == {"name": "cmaes", "sigma": 0.25}
    assert info["config"]["learner"]["name"] == "linear_neuron"


@pytest.mark.parametrize("sets, message", [
    (["optimizer.sigma=0.3"], "optimizer 'ga' has no setting 'sigma'; its settings: selection"),
    (["optimizer=cmaes"], "optimizer 'cmaes' does not search bits genomes"),
    (["colour.x=1"], "unknown config section 'colour'"),
    (["learner.eta=0.1"], "learner 'single_layer' has no setting 'eta'"),
    (["learner=linear_neuron"], "learner 'linear_neuron' does not run rule family 'chalmers'"),
    (["tasks=gaussian_pca"], "learner 'single_layer' needs tasks with binary_targets"),
    (["optimizer.elitism=40"], "optimizer.elitism must be in 0..population-1"),
    (["tasks.n_heldout=30"], "n_heldout must be in 1..29"),
])
def test_set_errors_name_the_field(runner, sets, message):
    args = ["run", "chalmers1990", "-q"]
    for s in sets:
        args += ["--set", s]
    res = runner.invoke(main, args)
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_set_switches_components(runner):
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "s.h5", "--set", "optimizer=cmaes",
                               "--set", "rule.genome=real", "--set", "optimizer.sigma=0.2"])
    assert res.exit_code == 0, res.output
    info = json.loads(runner.invoke(main, ["info", "s.h5", "--json"]).output)
    assert info["config"]["optimizer"] == {"name": "cmaes", "sigma": 0.2}


def test_openmp_threads_wait_passively_unless_told():
    """Spinning OpenMP threads doubled a run's time beside a busy process (docs/results/performance.md).
    configure_process is what the command line calls (tests/test_library_side_effects.py)."""
    import subprocess
    import sys
    code = ("import os, evo_l2l; evo_l2l.configure_process(); "
            "print(os.environ['OMP_WAIT_POLICY'])")
    env = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "PASSIVE"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**env, "OMP_WAIT_POLICY": "ACTIVE"})
    assert out.stdout.strip() == "ACTIVE"


def test_plot_to_an_unknown_format_is_one_line(runner):
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    res = runner.invoke(main, ["plot", "a.h5", "-o", "p.xyz"])
    assert res.exit_code == 2 and "must end in one of" in res.output and ".png" in res.output
    assert "Traceback" not in res.output
    res = runner.invoke(main, ["plot", "a.h5", "-o", "nowhere/p.png"])
    assert res.exit_code == 2 and "does not exist" in res.output


def test_plot_and_report_on_a_run_without_a_generation(runner):
    """An archive closed during generation 0 (which gave an IndexError traceback)."""
    from evo_l2l import open_run
    from evo_l2l.archive import STATUS_INTERRUPTED, ArchiveWriter
    from evo_l2l.evolution.loop import make_search
    from evo_l2l.evolution.problem import build_tasks, make_problem
    from evo_l2l.experiments import PRESETS
    config = PRESETS["chalmers1990"].default_config(population=4)
    tasks = build_tasks(config)
    problem = make_problem(config, tasks)
    ArchiveWriter.create("a.h5", config, tasks, problem,
                         make_search(config, problem).state()).close(STATUS_INTERRUPTED)
    assert open_run("a.h5").n_generations_done == 0
    for args in (["plot", "a.h5", "-o", "p.png"], ["report", "a.h5", "-o", "rep"]):
        res = runner.invoke(main, args)
        assert res.exit_code == 2 and "holds no complete generation yet" in res.output, args


def test_info_into_a_closed_pipe_is_silent(tmp_path):
    import subprocess
    import sys
    path = str(tmp_path / "a.h5")
    assert CliRunner().invoke(main, ["run", "chalmers1990", *TINY, "-o", path]).exit_code == 0
    out = subprocess.run(f"{sys.executable} -m evo_l2l info {path} | true", shell=True,
                         capture_output=True, text=True, cwd=tmp_path)
    assert out.stderr == ""          # was "error: Broken pipe" (exit 2)


def test_unwritable_folder_and_existing_report(runner, monkeypatch):
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    assert runner.invoke(main, ["report", "a.h5", "-o", "rep"]).exit_code == 0
    res = runner.invoke(main, ["report", "a.h5", "-o", "rep"])
    assert res.exit_code == 2 and "--force" in res.output
    assert runner.invoke(main, ["report", "a.h5", "-o", "rep", "--force"]).exit_code == 0
    # Tests run as root here, whom mode bits do not stop: say the folder is not writable.
    import evo_l2l.archive.writer
    os.mkdir("ro")
    real = os.access
    monkeypatch.setattr(evo_l2l.archive.writer.os, "access",
                        lambda p, mode: False if os.path.basename(p) == "ro" else real(p, mode))
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "ro/x.h5"])
    assert res.exit_code == 2 and "is not writable" in res.output and "tmp-" not in res.output


@pytest.mark.parametrize("args, message", [
    (["run", "chalmers1990", "--generations", "0"], "0 is not in the range"),
    (["nope"], "No such command 'nope'"),
    (["run"], "Missing argument 'EXPERIMENT'"),
])
def test_usage_errors_are_one_line(runner, args, message):
    res = runner.invoke(main, args)
    assert res.exit_code == 2 and message in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output     # click printed four


def test_bare_command_prints_help(runner):
    res = runner.invoke(main, [])
    assert res.exit_code == 0 and res.output.startswith("Usage: ") and "error" not in res.output


def test_messages_say_what_is_wrong(runner):
    """Issue 17, item 8: messages that named the wrong thing or printed too much."""
    from evo_l2l.rules import symbolic as sym
    with pytest.raises(ValueError, match=r"ends before mul\(...\) is closed: a '\)' is missing"):
        sym.parse_tree("mul(a, sub(t, o)", sym.make_pset())
    big = sym.formula(sym.parse_tree("mul(1e308, a)", sym.make_pset()), sym.make_pset())
    assert len(big) < 40 and "e+308" in big                    # was a 309-digit integer
    res = runner.invoke(main, ["run", "chalmers1990", "--set", "tasks.shapes=[[0,8,3]]", "-q"])
    assert res.exit_code == 2 and "count (its first number) must be >= 1" in res.output
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-q", "-o", "one.h5"])
    assert "(1 generation," in res.output
    # Bit genomes decode a set sign bit with magnitude 0 as -0.0: shown as 0.
    from evo_l2l import open_run
    assert np.signbit(open_run("one.h5").generations["population_coef"]).any()
    res = runner.invoke(main, ["best", "one.h5", "--top", "8"])
    assert res.exit_code == 0 and "=-0 " not in res.output.replace("\n", " ")


def test_output_paths_that_must_not_be_overwritten(runner):
    """An empty -o (an unset shell variable) overwrote the default archive with --force;
    --force replaced a FIFO (or /dev/full) with an archive."""
    assert runner.invoke(main, ["run", "chalmers1990", *TINY]).exit_code == 0
    before = open("runs/chalmers1990-seed0.h5", "rb").read()
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "", "--force"])
    assert res.exit_code == 2 and "--output is empty" in res.output
    assert open("runs/chalmers1990-seed0.h5", "rb").read() == before
    os.mkfifo("fifo.h5")
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "fifo.h5", "--force"])
    assert res.exit_code == 2 and "not a regular file" in res.output
    import stat
    assert stat.S_ISFIFO(os.stat("fifo.h5").st_mode)


def test_two_point_crossover_needs_two_genes(runner):
    """Was a traceback from DEAP (and an archive left half made)."""
    res = runner.invoke(main, ["run", "confavreux2020-oja", *TINY, "--set", "optimizer=ga",
                               "--set", "optimizer.crossover=two_point",
                               "--set", 'rule.terms=["x*y"]'])
    assert res.exit_code == 2 and "'two_point' needs 2 or more genes" in res.output
    assert not os.path.exists("runs")


def test_terms_are_refused_for_a_family_with_a_scale_coefficient(runner):
    """chalmers' row is a scale k0 and one coefficient per term: a genome of chosen terms
    placed by term position left k0 = 0 and shifted every term by one (a rule that never
    learned)."""
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "--set", "rule.genome=real",
                               "--set", 'rule.terms=["a*t"]'])
    assert res.exit_code == 2 and "terms needs a family whose coefficients" in res.output
    assert len(res.output.strip().splitlines()) == 1 and not os.path.exists("runs")


def test_config_file_mistakes(runner):
    runner.invoke(main, ["experiments", "bengio1991-conditioning"])
    open("cond.toml", "w").write(runner.invoke(main, ["experiments", "bengio1991-conditioning"]).output)
    res = runner.invoke(main, ["run", "chalmers1990", "--config", "cond.toml", "-q"])
    assert res.exit_code == 2 and "config of preset 'bengio1991-conditioning'" in res.output
    open("typo.toml", "w").write("[optimiser]\nselection = \"tournament\"\n")
    res = runner.invoke(main, ["run", "chalmers1990", "--config", "typo.toml", "-q"])
    assert res.exit_code == 2 and "unknown config section 'optimiser'" in res.output
    res = runner.invoke(main, ["run", "chalmers1990", "--set", "name=cmaes", "-q"])
    assert res.exit_code == 2 and "optimizer=cmaes" in res.output


def test_progress_in_a_log_is_plain_lines(runner):
    """Not on a terminal there is no bar (it printed a lone 'generations' line), but a plain
    line at the last generation (and every 30 s)."""
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "5", "--population", "6",
                               "-o", "p.h5"])
    assert res.exit_code == 0
    lines = res.output.splitlines()
    assert "generations" not in lines
    assert any(line.startswith("generation 5/5: best ") for line in lines)


def test_dry_run_checks_and_prints_without_running(runner):
    res = runner.invoke(main, ["run", "confavreux2020-oja", "--dry-run", "--set", "optimizer.sigma=0.2"])
    assert res.exit_code == 0, res.output
    assert 'name = "cmaes"' in res.output and "sigma = 0.2" in res.output
    assert "20 training and 10 held-out tasks" in res.output and "# memory: about" in res.output
    assert not os.path.exists("runs")
    res = runner.invoke(main, ["run", "chalmers1990", "--dry-run", "--set", "optimizer.sigma=0.2"])
    assert res.exit_code == 2 and "has no setting 'sigma'" in res.output
    # What the run refuses for memory, the dry run refuses too (it answered 0 before).
    res = runner.invoke(main, ["run", "chalmers1990", "--dry-run", "--set",
                               "run.population=1000000000"])
    assert res.exit_code == 2 and "needs about" in res.output, res.output


def test_values_that_defeat_their_purpose_are_refused(runner):
    """--flush-interval inf never flushed (no crash safety); delta:nan evaluated nothing."""
    res = runner.invoke(main, ["run", "chalmers1990", "-q", "--set", "run.flush_interval=1e9"])
    assert res.exit_code == 2 and "run.flush_interval must be <= 3600" in res.output
    res = runner.invoke(main, ["run", "chalmers1990", "-q", "--flush-interval", "inf"])
    assert res.exit_code == 2
    assert runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "a.h5"]).exit_code == 0
    for rate in ("nan", "inf"):
        res = runner.invoke(main, ["evaluate", "a.h5", "--rule", f"delta:{rate}"])
        assert res.exit_code == 2 and "needs a finite number" in res.output


def test_run_says_when_the_summary_scores_rules(runner):
    # The summary's scoring (the reference rule at every rate) takes long on the continual
    # GP presets: it is announced.
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "2", "--population", "4"])
    assert res.exit_code == 0, res.output
    assert ("summary: scoring the best rule and the delta rule on the training and held-out "
            "tasks") in res.output
    assert res.output.index("summary: scoring") < res.output.index("best rule (generation")
    res = runner.invoke(main, ["run", "chalmers1990", *TINY, "-o", "q.h5"])
    assert res.exit_code == 0 and "summary: scoring" not in res.output      # -q: quiet


@pytest.mark.parametrize("args, words", [
    (["--population", "1000000000"], "GB of memory"),
    (["--set", "learner.n_epochs=100000000"], "x 100000000 epochs needs about"),
    (["--set", "tasks.shapes=[[300, 8, 3]]"], "cannot draw 300 distinct"),
])
def test_configurations_too_big_are_refused_before_the_archive(runner, args, words):
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-q", "-o", "big.h5",
                               *args])
    assert res.exit_code == 2 and words in res.output, res.output
    assert res.output.count("\n") == 1 and "Traceback" not in res.output
    assert not os.path.exists("big.h5")


def test_memory_the_estimate_missed_is_one_line(runner, monkeypatch):
    import evo_l2l.evolution.run as run_module

    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 596. GiB for an array with shape (40, 30, 100000001)")
    monkeypatch.setattr(run_module, "start_run", exhausted)
    res = runner.invoke(main, ["run", "chalmers1990", "--generations", "1", "-q", "-o", "m.h5"])
    assert res.exit_code == 2 and "out of memory (Unable to allocate 596. GiB" in res.output
    assert res.output.count("\n") == 1


def test_report_of_runs_of_two_presets_has_consistent_tables(runner):
    """Runs of other presets measure other epochs and coefficients: one table per kind, every
    row as wide as its header (a review found 31 cells under an 11-column header); long
    curves shown in 13 evenly spaced columns, by `evaluate` too."""
    for args in (["chalmers1990", "-o", "c.h5"],
                 ["bengio1991-boolean", "-o", "b.h5", "--set", "learner.n_epochs=40"]):
        assert runner.invoke(main, ["run", *args, "--generations", "2", "-q"]).exit_code == 0
    res = runner.invoke(main, ["report", "c.h5", "b.h5", "-o", "rep"])
    assert res.exit_code == 0, res.output
    tables, cur = [], []
    for line in open("rep/report.md").read().splitlines() + [""]:
        if line.startswith("|"):
            cur.append(line.count("|"))
        elif cur:
            tables.append(cur)
            cur = []
    assert tables and all(len(set(t)) == 1 for t in tables), tables
    assert max(t[0] for t in tables) <= 20
    out = runner.invoke(main, ["evaluate", "b.h5"]).output
    assert "13 of 41 measurements shown" in out
    assert max(len(line.split()) for line in out.splitlines() if line.strip().startswith("epoch")) == 14


def test_ctrl_c_that_numba_turns_into_a_system_error_is_one_line_exit_130():
    """Ctrl-C while numba unpickles a cached kernel's constants reached the user as a
    SystemError ("returned a result with an exception set") and a 65-line traceback."""
    import click
    from click.testing import CliRunner as Runner
    from evo_l2l.cli import _Group, _interrupted

    @click.group(cls=_Group)
    def group():
        pass

    @group.command()
    def work():
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as exc:
            raise SystemError("CPUDispatcher returned a result with an exception set") from exc

    @group.command()
    def broken():
        raise SystemError("a real one")

    res = Runner().invoke(group, ["work"])
    assert res.exit_code == 130 and res.output.strip() == "interrupted"
    res = Runner().invoke(group, ["broken"])
    assert isinstance(res.exception, SystemError)
    assert not _interrupted(ValueError("x")) and _interrupted(KeyboardInterrupt())


def test_console_entry_exits_with_the_commands_status_after_exit_handlers(tmp_path):
    """cli.entry (the console script) skips Python's teardown: the output must still be
    complete, atexit handlers must run, and the status must be the command's."""
    import subprocess
    import sys as _sys
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('exit handler ran', flush=True))\n"
            "sys.argv = ['evo-l2l'] + sys.argv[1:]\n"
            "from evo_l2l.cli import entry\n"
            "entry()\n")
    out_file = tmp_path / "out.txt"
    with open(out_file, "w") as fh:
        ok = subprocess.run([_sys.executable, "-c", code, "experiments"], stdout=fh,
                            stderr=subprocess.PIPE, text=True, timeout=120)
    text = out_file.read_text()
    assert ok.returncode == 0 and "chalmers1990" in text
    assert text.rstrip().endswith("exit handler ran")        # after all of the command's
    bad = subprocess.run([_sys.executable, "-c", code, "info", str(tmp_path / "none.h5")],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")
    assert "exit handler ran" in bad.stdout
    usage = subprocess.run([_sys.executable, "-m", "evo_l2l", "run", "--no-such-option"],
                           capture_output=True, text=True, timeout=120)
    assert usage.returncode == 2 and usage.stderr.count("\n") == 1
