"""scripts/bench_automl_zero_cpp.py without the C++ peer: one line says what is missing and
how to get it, the Python side still runs and its row is read back; with --require-cpp the
same line ends the script (exit 2, no traceback). Speeds are never compared, only parsed."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "bench_automl_zero_cpp.py")


def bench(*args, cwd):
    return subprocess.run([sys.executable, SCRIPT, *args], cwd=cwd, capture_output=True,
                          text=True, timeout=120)


def test_without_the_cpp_the_python_side_runs_alone(tmp_path):
    work = tmp_path / "empty"
    work.mkdir()
    proc = bench("--work", str(work), "--seeds", "2", "--py-children", "1000", "--core", "0",
                 cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    notes = [ln for ln in out.splitlines() if ln.startswith("note: C++ peer skipped")]
    assert len(notes) == 1
    assert "missing the automl_zero source" in notes[0]
    assert "archive 1d49f2c0d automl_zero" in notes[0]
    rows = [ln.split() for ln in out.splitlines() if re.match(r"\s+\d+\s", ln)]
    assert len(rows) == 1
    seed, cpp = rows[0][0], rows[0][1:6]
    assert seed == "2" and cpp == ["-"] * 5              # no C++ numbers
    py_indiv, py_cpu, py_rate, py_solved = rows[0][6:10]
    assert int(py_indiv) == 1000                          # the initial population alone
    # the table rounds CPU seconds to 0.01 and rates to 1 /s
    assert float(py_rate) == pytest.approx(int(py_indiv) / float(py_cpu), rel=0.02)
    assert py_solved in ("yes", "no") and rows[0][-1] == "-"
    assert "median ratio evo_l2l / C++ individuals per CPU second: - (no C++ runs)" in out
    assert re.search(r"^machine: .+, \d+ cores", out, re.M)
    assert (work / "fixed_py2.h5").exists() and (work / "logs" / "fixed_py_seed2.log").exists()


def test_require_cpp_names_what_is_missing_and_exits_2(tmp_path):
    src = tmp_path / "automl_zero"
    src.mkdir()
    (src / "run_search_experiment.cc").write_text("")
    proc = bench("--work", str(tmp_path / "w"), "--source", str(src), "--cxx",
                 "no-such-compiler", "--require-cpp", "--seeds", "1", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: C++ peer: ")
    assert "missing a C++ compiler (no-such-compiler)" in lines[0]
    assert "apt-get install" in lines[0] and "automl_zero source" not in lines[0]
    assert not (tmp_path / "w" / "fixed_py1.h5").exists()   # nothing ran


def test_bad_seeds_are_one_line(tmp_path):
    proc = bench("--work", str(tmp_path), "--seeds", "0-2", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "error: --seeds: seeds start at 1 (the C++ draws a random seed for 0)"]


FAKE_CPP = """#!/bin/sh
# Stands in for run_search_experiment: records its flags, burns a little CPU, prints the
# progress and result lines the bench reads; seed 2 ends with exit 3 and no final fitness.
printf '%s\\0' "$@" > "$(dirname "$0")/args_$$.txt"
i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done
echo "Running evolution experiment (on the T_search tasks)..."
echo "indivs=1000, elapsed_secs=1, mean=0.1"
echo "indivs=3000, elapsed_secs=1, mean=0.2"
echo "Experiment done. Retrieving candidate algorithm."
case "$*" in *--random_seed=2*) exit 3;; esac
echo "Final evaluation fitness (on unseen data) = 0.999950"
"""


def test_cpp_rows_from_its_log_and_the_python_budget_from_the_cpp(tmp_path):
    """With a stand-in binary: its flags (one experiment, the seed), its rows (individuals
    from its last progress line, solved from its final fitness, a failed run marked), the
    Python run sized from it (3000 rounded up to 10,000: population 1000 + one generation
    of 10,000 children, 11,000 in all), and the ratios and their median read back from the rows."""
    build = tmp_path / "build"
    build.mkdir()
    fake = build / "run_search_experiment"
    fake.write_text(FAKE_CPP)
    fake.chmod(0o755)
    proc = bench("--work", str(tmp_path), "--seeds", "1,2", "--core", "0", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    assert "C++ peer skipped" not in out
    args = [(build / f).read_text().split("\0")[:-1] for f in os.listdir(build)
            if f.startswith("args_")]
    assert sorted(a[-1] for a in args) == ["--random_seed=1", "--random_seed=2"]
    for a in args:
        assert a[-2] == "--max_experiments=1" and "max_train_steps: 200000000" in a[0]
    assert "evo_l2l seed 1: 10000 children, 2 generations" in out
    rows = {r[0]: r for r in (ln.split() for ln in out.splitlines()
                              if re.match(r"\s+\d+\s", ln))}
    assert set(rows) == {"1", "2"}
    ratios = []
    for seed, r in rows.items():
        c_indiv, c_cpu, c_rate, c_solved = r[1:5]
        p_indiv, p_cpu, p_rate = r[8:11]
        assert int(c_indiv) == 3000 and int(p_indiv) == 11000
        assert c_solved == ("yes" if seed == "1" else "-")
        # The CPU seconds are printed to 0.01 s: the rate is within what that rounding allows.
        cpu = float(c_cpu)
        assert 3000 / (cpu + 0.005) - 1 <= float(c_rate) <= 3000 / max(cpu - 0.005, 1e-9) + 1
        ratios.append(float(r[15]))
        assert ratios[-1] == pytest.approx(float(p_rate) / float(c_rate), rel=0.05)
    assert rows["2"][-3:] == ["(C++", "exit", "3)"] and rows["1"][-1] != "3)"
    median, n = grab_median(out)
    assert n == 2 and median == pytest.approx(sum(ratios) / 2, abs=0.002)


def grab_median(out):
    m = re.search(r"median ratio evo_l2l / C\+\+ individuals per CPU second: ([\d.]+) over "
                  r"(\d+) seeds", out)
    assert m, out
    return float(m[1]), int(m[2])
