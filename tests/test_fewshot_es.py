"""Meta-training the evolved few-shot learner: exact resume, determinism, archive, command line."""
from __future__ import annotations

import re

import h5py
import numpy as np

import pytest
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.components import validate_settings
from evo_l2l.errors import ArchiveError, ConfigError
from evo_l2l.evolution import fewshot_archive as fa
from evo_l2l.evolution import fewshot_es as fe


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """24 classes of 8 noisy 14x14 images in 4 alphabets, as a user's npz."""
    rng = np.random.default_rng(0)
    x = []
    for _ in range(24):
        proto = (rng.random((14, 14)) > 0.7) * 255
        x += [np.clip(proto + rng.normal(0, 40, proto.shape), 0, 255) for _ in range(8)]
    path = tmp_path_factory.mktemp("data") / "tiny.npz"
    np.savez(path, x=np.array(x, np.uint8), label=np.repeat(np.arange(24), 8),
             group=np.repeat(np.arange(24) // 6, 8))
    return path


def settings(tiny, **kw):
    base = dict(dataset="path", path=str(tiny), size=14, k1=3, c1=3, c2=4, n_way=3,
                n_query=3, train_way=4, train_query=3, population=6, n_validation=8,
                validate_every=2, n_generations=6)
    base.update(kw)
    return validate_settings(fe.FewshotSettings(**base), "fewshot")


def test_resume_gives_what_running_through_gives(tiny):
    straight = fe.meta_train(settings(tiny))
    half = fe.meta_train(settings(tiny, n_generations=3))
    resumed = fe.meta_train(settings(tiny), state=half)
    assert np.array_equal(straight.theta, resumed.theta)
    assert np.array_equal(straight.m, resumed.m) and np.array_equal(straight.v, resumed.v)
    assert np.array_equal(straight.best_theta, resumed.best_theta)
    assert straight.val_generation == resumed.val_generation == [0, 2, 4, 6]
    assert straight.val_accuracy == resumed.val_accuracy
    assert straight.train_fitness == resumed.train_fitness


def test_the_mean_moves_and_the_seed_matters(tiny):
    a = fe.meta_train(settings(tiny, n_generations=2))
    b = fe.meta_train(settings(tiny, n_generations=2, seed=1))
    start = settings(tiny).net().start(0)
    assert not np.allclose(a.theta, start)
    assert not np.array_equal(a.theta, b.theta)


def test_stop_between_generations(tiny):
    calls = []
    st = fe.meta_train(settings(tiny), stop=lambda: len(calls) >= 2,
                       progress=lambda s, v: calls.append(s.generation))
    assert st.generation == 2


def test_archive_round_trip_and_bad_files(tiny, tmp_path):
    s = settings(tiny, n_generations=2)
    st = fe.meta_train(s)
    path = tmp_path / "run.h5"
    fa.save(path, s, st, "complete", "test", {"name": "n", "version": "v", "sha256": "x"})
    r = fa.load(path)
    assert r.settings == s and r.status == "complete"
    assert np.array_equal(r.state.theta, st.theta) and r.state.val_accuracy == st.val_accuracy
    assert np.array_equal(r.start, s.net().start(s.seed))
    assert not list(tmp_path.glob(".*.tmp"))
    with pytest.raises(ArchiveError, match="no such file"):
        fa.load(tmp_path / "missing.h5")
    (tmp_path / "junk.h5").write_bytes(b"not hdf5")
    with pytest.raises(ArchiveError, match="junk.h5"):
        fa.load(tmp_path / "junk.h5")
    with h5py.File(tmp_path / "foreign.h5", "w") as f:
        f.attrs["format"] = "other"
    with pytest.raises(ArchiveError, match="not a few-shot"):
        fa.load(tmp_path / "foreign.h5")
    cut = tmp_path / "cut.h5"
    cut.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ArchiveError, match="cut.h5"):
        fa.load(cut)


def test_settings_checks(tiny):
    with pytest.raises(ConfigError, match="even"):
        settings(tiny, population=5)
    with pytest.raises(ConfigError, match="too small"):
        settings(tiny, size=8, k1=5)
    with pytest.raises(ConfigError, match="path"):
        validate_settings(fe.FewshotSettings(dataset="path"), "fewshot")


def run_args(tiny, out) -> list:
    """`fewshot run` of the toy preset on the tiny data, small enough for a test."""
    args = ["fewshot", "run", "glyphs-5way-1shot", "--toy", "-o", str(out)]
    for k, v in dict(dataset="path", path=str(tiny), size=14, k1=3, c1=3, c2=4, n_query=3,
                     train_way=4, train_query=3).items():
        args += ["--set", f"{k}={v}"]
    return args


def test_cli_run_info_resume(tiny, tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.h5"
    args = run_args(tiny, out)
    res = runner.invoke(main, args)
    assert res.exit_code == 0, res.output
    assert "complete" in res.output
    assert "validation, 5-way 1-shot" in res.output and "lda_centroid" in res.output
    # Accuracy +- CI beside 1-NN and chance; the evolved one is the archived best.
    line = next(x for x in res.output.splitlines() if x.startswith("validation, 5-way"))
    assert "(%, +- 95% CI)" in line and "chance 20.00" in line
    assert re.search(r"pixel_1nn \d+\.\d\d \+- \d+\.\d\d", line)
    evolved = float(re.search(r"evolved (\d+\.\d\d) \+- ", line).group(1))
    assert evolved == pytest.approx(100 * fa.load(out).state.best_accuracy, abs=0.006)
    res = runner.invoke(main, ["fewshot", "plot", str(out), "-o", str(tmp_path / "r.png")])
    assert res.exit_code == 0 and (tmp_path / "r.png").stat().st_size > 10_000
    res = runner.invoke(main, args)
    assert res.exit_code == 2 and "exists" in res.output
    res = runner.invoke(main, ["fewshot", "info", str(out)])
    assert res.exit_code == 0 and "glyphs-5way-1shot complete, generation 3" in res.output
    res = runner.invoke(main, ["fewshot", "resume", str(out), "--generations", "4"])
    assert res.exit_code == 0 and "generation 4" in res.output
    assert fa.load(out).state.generation == 4
    res = runner.invoke(main, ["fewshot", "run", "no-such-preset"])
    assert res.exit_code == 2 and "no few-shot preset" in res.output
    res = runner.invoke(main, ["fewshot", "run", "glyphs-5way-1shot", "--set", "sigma"])
    assert res.exit_code == 2 and "KEY=VALUE" in res.output
    res = runner.invoke(main, ["fewshot", "info", str(tmp_path / "none.h5")])
    assert res.exit_code == 2 and "no such file" in res.output


def test_evaluate_pairs_learner_and_baselines_on_the_same_episodes(tiny, tmp_path):
    from evo_l2l.analysis import fewshot_baselines as fb
    from evo_l2l.analysis.fewshot_eval import evaluate_run, format_result
    s = settings(tiny, n_generations=2)
    st = fe.meta_train(s)
    path = tmp_path / "run.h5"
    data = fe.load_data(s)
    fa.save(path, s, st, "complete", "test", data.identity)
    run = fa.load(path)
    res = evaluate_run(run, n_episodes=30, n_validation=10, n_query=3,
                       baselines=["pixel_1nn", "cosine_centroid"])
    names = [r["name"] for r in res["rows"]]
    assert names == ["evolved", "start", "pixel_1nn", "cosine_centroid"]
    assert all(r["accuracy"].shape == (30,) for r in res["rows"])
    # the baselines' rows are those run_baselines gives on the same protocol episodes
    splits = fe.cd.split_classes(data)
    ref = fb.run_baselines(data, splits, 3, 1, 3, 10, 30, 0, names=["pixel_1nn"])
    assert np.array_equal(ref[0]["evaluation"], res["rows"][2]["accuracy"])
    # the learner rows are the learner's scores on those episodes
    _, evaluation = fb.protocol_episodes(data, splits, 3, 1, 3, 10, 30, 0)
    acc, _ = fe.cp.episode_scores(s.net(), run.state.best_theta[None].astype(np.float32),
                                  fe.images_of(data), evaluation)
    assert np.array_equal(acc[0], res["rows"][0]["accuracy"])
    text = format_result(res)
    assert "the baseline (best on validation)" in text and "evolved - it" in text
    digits = evaluate_run(run, "digits", n_episodes=20, n_validation=10, n_query=3,
                          baselines=["pixel_1nn"])
    assert digits["protocol"]["target_data"] == "sklearn.datasets.load_digits"
    assert digits["protocol"]["classes"] <= 10


def test_evaluate_refuses_other_data(tiny, tmp_path):
    from evo_l2l.analysis.fewshot_eval import evaluate_run
    s = settings(tiny, n_generations=0)
    st = fe.meta_train(s)
    path = tmp_path / "run.h5"
    fa.save(path, s, st, "complete", "test", {"name": "other", "version": "", "sha256": "0" * 64})
    with pytest.raises(ArchiveError, match="its data were other"):
        evaluate_run(fa.load(path), n_episodes=5, n_validation=5, n_query=3)


def test_a_configuration_too_big_for_memory_is_refused_before_it_starts(tiny, monkeypatch):
    from evo_l2l.evolution import run as run_module
    s = settings(tiny, population=100_000, c1=256, c2=256)
    assert fe.memory_needed(s) > 50e9
    with pytest.raises(ConfigError, match="GB of memory"):
        fe.meta_train(s)
    monkeypatch.setattr(run_module, "memory_available", lambda: 10)
    with pytest.raises(ConfigError, match="GB of memory"):
        fe.meta_train(settings(tiny))


def test_sigint_stops_within_a_second_and_keeps_the_archive(tiny, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time
    out = tmp_path / "long.h5"
    cmd = [sys.executable, "-m", "evo_l2l", "fewshot", "run", "glyphs-5way-1shot", "-o", str(out),
           "--generations", "1000000"]
    for k, v in dict(dataset="path", path=str(tiny), size=14, k1=3, c1=3, c2=4, n_query=3,
                     train_way=4, train_query=3, population=6, n_validation=8,
                     validate_every=2).items():
        cmd += ["--set", f"{k}={v}"]
    from conftest import default_sigint
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=default_sigint)
    # The archive is replaced whole at each save: wait for one past generation 0.
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and fa.load(out).state.generation > 0:
            break
        time.sleep(0.1)
    if proc.poll() is not None or not out.exists():
        proc.kill()
        pytest.fail(proc.communicate()[1][-2000:] or "no generation saved in time")
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    # A toy generation is short: a run that did not stop would meet the timeout above;
    # the bound is loose so that a machine busy with other work does not fail it.
    assert time.monotonic() - t0 < 30.0
    assert proc.returncode == 130, stderr
    assert "resume with" in stdout
    run = fa.load(out)
    assert run.status == "interrupted" and run.state.generation > 0
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".tmp")]


def test_chunks_on_workers_give_the_same_run(tiny):
    """A population scored in chunks (as on a process pool or Dask) gives the same fitness,
    so the same run, bit for bit."""
    class Chunked:                  # an executor of 3 workers that runs in this process
        n_workers = 3

        def map(self, fn, items):
            return [fn(item) for item in items]
    s = settings(tiny, n_generations=3)
    assert np.array_equal(fe.meta_train(s).theta, fe.meta_train(s, executor=Chunked()).theta)


def test_a_process_pool_gives_the_same_run(tiny):
    from evo_l2l.evolution.executors import ProcessPool
    s = settings(tiny, n_generations=2)
    with ProcessPool(2) as pool:
        pooled = fe.meta_train(s, executor=pool)
    assert np.array_equal(fe.meta_train(s).theta, pooled.theta)


def test_more_ways_than_classes_is_one_line(tiny, tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.h5"
    args = run_args(tiny, out)
    res = runner.invoke(main, args + ["--set", "n_way=30"])
    assert res.exit_code == 2 and "30-way 1-shot" in res.output
    assert runner.invoke(main, args).exit_code == 0
    for extra in (["--way", "30"], ["--target", "digits", "--way", "12"]):
        res = runner.invoke(main, ["fewshot", "evaluate", str(out), "--episodes", "3",
                                   "--validation", "3", "--queries", "3"] + extra)
        assert res.exit_code == 2 and "classes of >=" in res.output, res.output
