"""scripts/fault_campaign.py and scripts/fault_fuzz.py: what they count and how they report it.
The full campaign (minutes to hours) is run by hand; here its table, its verdict and a
few fuzzed inputs."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPTS = os.path.join(ROOT, "scripts")


def load(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(SCRIPTS, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def campaign():
    return load("fault_campaign")


@pytest.fixture(scope="module")
def fuzz():
    sys.path.insert(0, SCRIPTS)
    try:
        yield load("fault_fuzz")
    finally:
        sys.path.remove(SCRIPTS)


def zeros(campaign):
    return dict.fromkeys(campaign.COLUMNS, 0)


def test_the_verdict_is_1_for_any_count_or_a_part_not_run(campaign):
    clean = {"a": (zeros(campaign), "1 s"), "b": (zeros(campaign), "2 s")}
    assert campaign.verdict(clean) == 0
    for column in campaign.COLUMNS:
        row = zeros(campaign)
        row[column] = 1
        assert campaign.verdict({**clean, "c": (row, "")}) == 1
    assert campaign.verdict({**clean, "c": (None, "needs root")}) == 1
    text = campaign.table({**clean, "c": (None, "needs root")})
    assert "| c | - | - | - | - | - | not run: needs root |" in text
    assert text.splitlines()[-1] == "| total | 0 | 0 | 0 | 0 | 0 | |"


def test_each_scripts_counts_land_in_the_columns(campaign):
    assert campaign.counts_of("dask", {"divergences": 2, "hangs": 1, "kills": 9}) == \
        {"lost_runs": 0, "silent_divergences": 2, "tracebacks": 0, "hangs": 1, "other": 0}
    assert campaign.counts_of("writers", {"stale_temps": 1, "lost_runs": 3})["other"] == 1
    assert campaign.counts_of("flips", {"unreadable": 4, "flips_refused": 2})["other"] == 4
    assert campaign.counts_of("fuzz", {"unclear_errors": 1})["other"] == 1


def test_a_part_without_its_line_of_counts_is_a_traceback(campaign, tmp_path, monkeypatch):
    (tmp_path / "dies.py").write_text("raise SystemExit('it broke')\n")
    (tmp_path / "slow.py").write_text("import time; time.sleep(30)\n")
    (tmp_path / "finds.py").write_text("import json, sys\nprint('bad thing', file=sys.stderr)\n"
                                       "print(json.dumps({'lost_runs': 1}))\n")
    monkeypatch.setattr(campaign, "HERE", str(tmp_path))
    row, note = campaign.run_part("writers", ["dies.py"], 60)
    assert row["tracebacks"] == 1 and "it broke" in note
    row, note = campaign.run_part("writers", ["slow.py"], 1)
    assert row["hangs"] == 1
    row, note = campaign.run_part("writers", ["finds.py"], 60)
    assert row["lost_runs"] == 1 and "bad thing" in note


def test_fuzz_classifies_outcomes(fuzz):
    counts, notes = dict.fromkeys(fuzz.COUNTS, 0), []
    assert fuzz.classify(0, "", "", counts, notes, "ok")
    assert fuzz.classify(2, "", "error: one line\n", counts, notes, "refused")
    assert not fuzz.classify(1, "", "Traceback (most recent call last):\n  x\nTypeError: y\n",
                             counts, notes, "a")
    assert not fuzz.classify(-11, "", "", counts, notes, "segfault")
    assert not fuzz.classify(2, "", "error: one\nand another\n", counts, notes, "b")
    assert not fuzz.classify(None, "", "", counts, notes, "c")
    assert counts == {"lost_runs": 0, "silent_divergences": 0, "tracebacks": 2, "hangs": 1,
                      "unclear_errors": 1}
    assert notes[0].startswith("tracebacks: a: exit 1: TypeError: y")


def test_fuzz_compares_an_accepted_setting_with_the_archived_config(fuzz):
    config = {"run": {"seed": 3, "population": 8}, "optimizer": {"name": "ga", "elitism": 1},
              "learner": {"name": "single_layer", "clip": 20.0}}
    assert fuzz.expected_in_config(config, "seed", 3)
    assert not fuzz.expected_in_config(config, "seed", 4)
    assert fuzz.expected_in_config(config, "learner.clip", 20)
    assert fuzz.expected_in_config(config, "clip", "\0" + "20.0")
    assert not fuzz.expected_in_config(config, "optimizer", "cmaes")
    assert not fuzz.expected_in_config(config, "optimizer.elitism", True)


def test_the_quick_campaign_runs_a_few_fuzzed_inputs(tmp_path):
    res = subprocess.run([sys.executable, os.path.join(SCRIPTS, "fault_campaign.py"), "--quick",
                          "--parts", "fuzz", "--fuzz-inputs", "4"], capture_output=True,
                         text=True, cwd=tmp_path, timeout=600)
    assert res.returncode == 0, res.stdout + res.stderr[-2000:]
    row = [line for line in res.stdout.splitlines() if line.startswith("| fuzzed inputs x 4 |")]
    assert row and row[0].split("|")[2:7] == [" 0 "] * 5, res.stdout


def test_fuzz_runs_each_kind(tmp_path):
    res = subprocess.run([sys.executable, os.path.join(SCRIPTS, "fault_fuzz.py"), "--inputs",
                          "4", "--seed", "3"], capture_output=True, text=True, cwd=tmp_path,
                         timeout=600)
    out = json.loads(res.stdout.strip().splitlines()[-1])
    assert res.returncode == 0 and not any(out[k] for k in ("lost_runs", "silent_divergences",
                                                            "tracebacks", "hangs",
                                                            "unclear_errors")), res.stderr
    assert out["kinds"] == {"set": 1, "config": 1, "options": 1, "archive": 1}
    assert sum(out["exits"].values()) == 4


def test_fuzz_counts_a_run_without_its_archive_but_not_the_help(fuzz, tmp_path, monkeypatch):
    fz = object.__new__(fuzz.Fuzzer)
    fz.folder, fz.timeout, fz.notes, fz.exits = str(tmp_path), 120, [], {}
    fz.counts = dict.fromkeys(fuzz.COUNTS, 0)
    fz.run(0, ["-h"], "help")                          # the real command line's help
    assert not any(fz.counts.values()), fz.notes
    monkeypatch.setattr(fuzz, "cli", lambda *a: (0, "done\n", ""))   # says done, wrote nothing
    fz.run(1, ["chalmers1990", "--generations", "1"], "a run")
    assert fz.counts["lost_runs"] == 1 and "no archive" in fz.notes[0]
