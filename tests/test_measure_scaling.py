"""scripts/measure_scaling.py --quick: the table's parts, and measured numbers that are
positive and agree with each other."""
import json
import os
import subprocess
import sys

import pytest

pytest.importorskip("distributed")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(ROOT, "scripts", "measure_scaling.py")
LABELS = ("schmidhuber1987-meta", "automl-zero-linear-demo",
          "automl-zero-linear-demo [all remote]", "fewshot-digits")


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("scaling") / "quick.json"
    proc = subprocess.run([sys.executable, SCRIPT, "--quick", "--json", str(out)],
                          capture_output=True, text=True, timeout=240, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        return proc.stdout, json.load(f)


def test_the_table_has_every_part_and_row(quick):
    stdout, _ = quick
    assert "1, scheduler apart" in stdout
    for title in ("machine: ", "(a) per-task overhead", "(b) bytes per task",
                  "(c) per generation", "MODEL OUTPUT (inputs measured with 1 worker",
                  "model check", "MODEL OUTPUT at 512 workers"):
        assert title in stdout
    for label in LABELS:
        # a row in (b), (c), the model, its check and the model at 512 workers
        assert sum(line.strip()[:38].rstrip() == label for line in stdout.splitlines()) == 5, label


def test_overhead_is_measured_and_a_round_trip_costs_more_than_a_call(quick):
    _, data = quick
    ov = data["overhead"]["1"]
    for key in ("in_process_seconds", "round_trip_seconds", "round_trip_min_seconds",
                "batch_seconds_per_task", "driver_cpu_per_task", "io_loop_cpu_per_task"):
        assert ov[key] > 0, key
    assert ov["round_trip_seconds"] > 100 * ov["in_process_seconds"]
    assert ov["round_trip_min_seconds"] <= ov["round_trip_seconds"]
    assert ov["io_loop_idle_cpu_per_second"] >= 0
    assert ov["scheduler_cpu_per_task"] is None
    # a scheduler in its own process: its CPU a task measured apart from the driver's
    apart = data["overhead_scheduler_apart"]["1"]
    assert apart["scheduler_cpu_per_task"] > 0 and apart["driver_cpu_per_task"] > 0
    assert apart["round_trip_seconds"] > 100 * apart["in_process_seconds"]


def test_bytes_per_task_grow_with_the_batch(quick):
    _, data = quick
    for run in data["runs"]["1"]:
        sizes = [run["batch_bytes"][k] for k in ("1", "4", "16")]
        sent = [s for s, _ in sizes]
        received = [r for _, r in sizes]
        assert 0 < sent[0] < sent[1] < sent[2], run["label"]
        assert 0 < received[0] <= received[1] <= received[2], run["label"]


def test_per_generation_figures_are_consistent(quick):
    _, data = quick
    runs = {r["label"]: r for r in data["runs"]["1"]}
    assert set(runs) == set(LABELS)
    for label, run in runs.items():
        said = {k: v for k, v in run.items() if k not in ("gens", "model")}
        assert run["measured_generations"] >= 1, said
        assert run["wall_per_generation"] > 0 and run["driver_cpu_per_generation"] > 0, said
        cats = run["categories_per_generation"]
        assert sum(cats.values()) == pytest.approx(run["driver_cpu_per_generation"], abs=1e-9)
        # clocks of two threads read one after the other: a few microseconds apart a reading
        assert all(v >= -2e-3 for v in cats.values()), said
        assert run["io_loop_cpu_per_generation"] >= 0, said
        if run["tasks_per_generation"] > 0:
            # work went out: it has bytes, compute and client time
            assert run["bytes_sent_per_task"] > 0 and run["bytes_received_per_task"] > 0, said
            assert run["compute_per_generation"] > 0 and cats["client"] > 0, said
            assert run["remote_rounds_per_generation"] >= 1, said
        else:
            assert run["compute_per_generation"] == 0 and cats["client"] == 0, said
    # As shipped AutoML-Zero's batches (about a millisecond of work) stay in the driver;
    # with min_call_seconds=0 they go out.
    shipped, remote = runs["automl-zero-linear-demo"], runs["automl-zero-linear-demo [all remote]"]
    assert shipped["tasks_per_generation"] == 0, shipped
    assert shipped["local_batches_per_generation"] > 0, shipped
    assert remote["tasks_per_generation"] > 0, remote
    assert shipped["categories_per_generation"]["fec"] > 0, shipped
    assert runs["schmidhuber1987-meta"]["tasks_per_generation"] > 0, runs["schmidhuber1987-meta"]


def test_the_model_adds_up(quick):
    _, data = quick
    for run in data["runs"]["1"]:
        model = run["model"]
        assert model["D"] > 0 and model["s"] > 0 and model["o"] > 0
        ws = model["W"]
        assert set(ws) == {"1", "2", "8", "64", "512"}
        assert ws["1"]["speedup"] == pytest.approx(1.0)
        for m in ws.values():
            assert m["T"] == pytest.approx(m["serial"] + m["span"])
            assert m["overlapped_T"] == pytest.approx(max(m["serial"], m["span"]))
            # the held-out evaluation off the barrier: the search and it side by side
            assert m["heldout"] >= 0 and m["heldout_apart_T"] <= m["T"] + 1e-12
            assert m["speedup"] == pytest.approx(ws["1"]["T"] / m["T"])
            assert m["serial"] >= model["D"]
        # the workers' span never grows with more workers
        spans = [ws[w]["span"] for w in ("1", "2", "8", "64", "512")]
        assert all(a >= b - 1e-12 for a, b in zip(spans, spans[1:])), spans


@pytest.mark.parametrize("bad", ["0", "1,x"])
def test_bad_worker_counts_are_one_line_and_exit_2(bad):
    proc = subprocess.run([sys.executable, SCRIPT, "--workers", bad], capture_output=True,
                          text=True, timeout=60, cwd=ROOT)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--workers" in proc.stderr
    assert "Traceback" not in proc.stderr
