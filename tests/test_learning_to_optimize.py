"""Learning to optimize: optimizer programs read back exactly from their text, canonical
rows that train exactly as the rows they stand for, what `anatomy` calls momentum, the
feature form of Adam against its program, exported (init, update) pairs against the
kernel's own updates, the CLI on toy runs of both presets, and typed genes kept valid."""
import builtins
import json
import random

import numpy as np
import pytest
import naive_mlp
from click.testing import CliRunner

from evo_l2l.cli import main
from evo_l2l.components import ConfigError, GenomeSpec, validate_settings
from evo_l2l.kernels import mlp_train
from evo_l2l.kinds.learned_optimizer import KIND as FEATURE_KIND
from evo_l2l.kinds.optimizer_program import KIND as PROGRAM_KIND
from evo_l2l.learners import mlp_trainer
from evo_l2l.optimizers.aging import OPTIMIZER as AGING, AgingSearch, AgingSettings
from evo_l2l.rules import learned_optimizers as lo
from evo_l2l.rules import update_programs as up
from evo_l2l.rules.genes import decode_genes, is_valid
from evo_l2l.tasks import net_training as nt

from test_evolution import arrays_of, assert_same_arrays

TINY = dict(n_tasks=3, n_heldout=1, n_train=24, n_test=16, min_batch=8, max_batch=8,
            n_steps=12, min_width=3, max_width=6, max_hidden=2, activations=["tanh", "relu"])
TOY_RUN = ["--toy", "--set", "run.n_generations=2", "--population", "12", "-q"]


@pytest.fixture(scope="module")
def task_sets():
    """Two tiny net_training task sets: MNIST-1D classification and teacher regression,
    1-2 hidden layers, tanh or ReLU."""
    out = []
    for seed, dataset in ((0, "mnist1d"), (1, "regression")):
        s = validate_settings(nt.Settings(**TINY, dataset=dataset), "tasks")
        out.append(nt.make_net_training(np.random.default_rng(seed), s))
    return out


def random_genomes(n, seed):
    """Program genomes drawn a little beyond the genes' ranges (decoding clips them), the
    constants wide enough that interp's, debias's and clip's own clipping is reached."""
    rng = np.random.default_rng(seed)
    low = np.array([g.low - (0.0 if g.kind == "real" else 0.6) for g in up.GENES])
    high = np.array([g.high + (0.0 if g.kind == "real" else 0.6) for g in up.GENES])
    real = np.array([g.kind == "real" for g in up.GENES])
    low[real], high[real] = -1.5, 1.5
    return rng.uniform(low, high, (n, len(up.GENES)))


def spread(row, slots, junk_rng=None):
    """A canonical row's live instructions moved to `slots` (in order), the other slots
    nops or, with junk_rng, random instructions writing r2 (dead code, or code that
    changes the program: either way the raw row is not canonical)."""
    row = np.asarray(row, dtype=np.float64)
    live = up.live_slots(row)
    out = np.zeros(up.N_COEF)
    out[0] = row[0]
    for s, target in zip(live, slots):
        out[1 + target * 5:6 + target * 5] = row[1 + s * 5:6 + s * 5]
    if junk_rng is not None:
        free = [s for s in range(up.N_SLOTS) if s not in slots]
        for s in free:
            out[1 + s * 5:6 + s * 5] = (junk_rng.integers(1, len(up.OPS)), 6,
                                        junk_rng.integers(0, 8), junk_rng.integers(0, 8),
                                        junk_rng.normal())
    return out


# -- 1. program text ---------------------------------------------------------------------

def test_text_reads_back_to_the_canonical_row_exactly():
    rows = up.decode_real(random_genomes(400, 0))
    lengths = [len(up.live_slots(r)) for r in rows]
    assert max(lengths) >= 5 and sum(n >= 2 for n in lengths) >= 100
    for row in rows:
        assert np.array_equal(up.parse(up.text_of(row)), row), up.text_of(row)
    for name in up.KNOWN_TEXTS:
        for rate in (None, 3.7e-4, 0.1234567891):
            row = up.known(name, rate)
            assert np.array_equal(up.parse(up.text_of(row)), row), name
            assert np.array_equal(up.parse("\n".join(up.lines(row)[:-1])
                                           + f"\nlr = {float(row[0])!r}"), row), name


def test_where_the_nops_sit_does_not_change_the_row():
    """Adam spread over the slots with nops between is Adam (one row, one known match)."""
    adam = up.known("adam", 2e-3)
    moved = spread(adam, [1, 2, 3, 5, 6, 7, 8, 9])
    assert not np.array_equal(moved, adam)
    assert np.array_equal(up.canonical(moved), adam)
    assert up.is_reference_rule(moved) and "= Adam" in up.describe(moved)


@pytest.mark.parametrize("text,message", [
    ("lr = 0.1; u = sgn(g)", "unknown op 'sgn'"),
    ("lr = 0.1; u = nop()", "unknown op 'nop'"),
    ("lr = 0.1; u = sign(q)", "unknown register 'q'"),
    ("lr = 0.1; u = add(g, m4)", "unknown register 'm4'"),
    ("lr = 0.1; g = sign(g)", "cannot write 'g'"),
    ("lr = 0.1; w = scale(g, 2)", "cannot write 'w'"),
    ("lr = 0.1; u = add(g)", "add takes 2 register"),
    ("lr = 0.1; u = sign(g, w)", "sign takes 1 register"),
    ("lr = 0.1; u = scale(g)", "scale takes 1 register(s) and a constant"),
    ("lr = 0.1; u = const()", "const takes 0 register(s) and a constant"),
    ("lr = 0.1; u = scale(g, m1)", "last argument must be a number, not 'm1'"),
    ("lr = 0.1; u = scale(g, 0.5x)", "must be a number"),
    ("lr = 0.1; u = shift(g, inf)", "must be finite"),
    ("u = sign(g)", "needs its rate: 'lr = NUMBER'"),
    ("lr = 0; u = sign(g)", "lr must be a positive number"),
    ("lr = -1e-3; u = sign(g)", "lr must be a positive number"),
    ("lr = 1.2.3; u = sign(g)", "lr must be a number"),
    ("lr = 0.1; " + "; ".join(["u = sign(g)"] * 11), "at most 10 instructions"),
    ("lr = 0.1, u = sign(g)", "cannot read"),
    ("__import__('os')", "cannot read"),
    ("lr = 0.1; u = sign(__import__('os').system('false'))", "cannot read"),
    ("lr = 0.1; u = scale(g, __import__)", "must be a number"),
])
def test_parse_errors_say_what_is_wrong_and_nothing_is_evaluated(monkeypatch, text, message):
    def refuse(*args, **kw):
        raise AssertionError("parse evaluated its text")
    got = None
    with monkeypatch.context() as m:      # only around parse: pytest itself compiles
        for name in ("eval", "exec", "compile"):
            m.setattr(builtins, name, refuse)
        try:
            up.parse(text)
        except ValueError as exc:
            got = str(exc)
    assert got is not None and message in got and "\n" not in got, got


# -- 2. canonical form -------------------------------------------------------------------

def test_canonical_rows_train_bitwise_as_the_rows_they_stand_for(task_sets):
    """Raw decoded rows (dead code, unread fields, unclipped constants, gaps) and their
    canonical rows give the same losses to the bit, on every task."""
    genomes = random_genomes(30, 1)
    raw = decode_genes(up.GENES, genomes)
    jrng = np.random.default_rng(2)
    known = [spread(up.known(n, r), sorted(jrng.choice(10, len(up.live_slots(up.known(n))),
                                                       replace=False)), jrng)
             for n, r in (("adam", 0.01), ("lion", 1e-3), ("momentum", 0.01),
                          ("adamw", 0.02), ("nesterov", 0.003))]
    raw = np.vstack([raw, known])
    canon = np.array([up.canonical(r) for r in raw])
    np.testing.assert_array_equal(canon[:30], up.decode_real(genomes))
    assert sum(not np.array_equal(a, b) for a, b in zip(raw, canon)) >= 30
    moving = 0
    for tasks in task_sets:
        test_raw, train_raw = mlp_trainer.losses("update_program", raw, tasks, 3)
        test_c, train_c = mlp_trainer.losses("update_program", canon, tasks, 3)
        np.testing.assert_array_equal(test_raw, test_c)
        np.testing.assert_array_equal(train_raw, train_c)
        final = test_raw[:, :, -1]
        moving += int(np.sum(np.isfinite(final) & (final != test_raw[:, :, 0])))
    assert moving >= 30          # not a test of programs that do nothing


def test_canonical_is_idempotent_and_encodes_to_itself():
    for row in up.decode_real(random_genomes(200, 3)):
        assert np.array_equal(up.canonical(row), row)
        assert np.array_equal(up.decode_real(up.encode(row)[None])[0], row)
    for name in up.KNOWN_TEXTS:
        assert np.array_equal(up.canonical(up.known(name)), up.known(name))


# -- 3. anatomy --------------------------------------------------------------------------

def program(text, lr=0.01):
    return up.parse(f"lr = {lr}; {text}")


@pytest.mark.parametrize("name", ["adam", "adamw", "lion"])
def test_adaptive_momentum_optimizers_are_momentum_based(name):
    row = up.known(name)
    a = up.anatomy(row)
    assert a["momentum"] and a["normalised"] == ("sign" if name == "lion" else "second moment")
    assert up.is_momentum_based(row) and "m1" in a["accumulators"]
    assert f"= {up.KNOWN_LABELS[name]}" in up.describe(row)


def test_what_is_not_momentum_based():
    for row in (up.known("sgd"), program("u = sign(g)")):
        a = up.anatomy(row)
        assert not a["momentum"] and not a["accumulators"] and not up.is_momentum_based(row)
    assert up.anatomy(program("u = sign(g)"))["normalised"] == "sign"
    for name in ("momentum", "nesterov"):
        a = up.anatomy(up.known(name))
        assert a["momentum"] and a["normalised"] is None
        assert not up.is_momentum_based(up.known(name))
    # an accumulator u never reads: dead, so no momentum
    unread = program("m1 = interp(m1, g, 0.9); r1 = square(m1); u = sign(g)")
    assert up.anatomy(unread) == {"accumulators": [], "momentum": False, "normalised": "sign",
                                  "memory": 0.0, "size_spread": 1.0, "scale_free": True}
    # a kept value fed only by itself is no accumulator of g
    counter = program("m1 = shift(m1, 1); r1 = sqrt(m1); u = div(g, r1)")
    a = up.anatomy(counter)
    assert not a["accumulators"] and not a["momentum"] and not up.is_momentum_based(counter)
    # momentum through a copy, normalised by sign
    copied = program("m2 = interp(m2, g, 0.9); r1 = scale(m2, 2); u = sign(r1)")
    assert up.anatomy(copied)["accumulators"] == ["m2"] and up.is_momentum_based(copied)


def test_clipped_momentum_is_momentum_but_not_sign_or_second_moment_normalised():
    # an accumulator of gradients clipped to a box: past gradients turn the step only when
    # gradients are small (the clip saturates on N(0, 1) ones), so memory looks at several
    # gradient sizes
    row = program("r1 = add(g, m2); m2 = clip(r1, 0.04); u = scale(m2, 1)")
    a = up.anatomy(row)
    assert a["momentum"] and a["normalised"] == "clip" and not up.is_momentum_based(row)
    assert up.memory(row) > up.MIN_MEMORY


def test_a_normalised_step_is_scale_free_and_a_sign_that_only_turns_it_is_not():
    assert up.size_spread(up.known("sgd")) == pytest.approx(1e4)
    for name in ("adam", "lion"):
        assert up.size_spread(up.known(name)) == pytest.approx(1.0, abs=1e-3)
    # a sum of gradients clipped to a box: saturated for large gradients, not small ones
    clipped = program("r1 = add(g, m2); m2 = clip(r1, 0.04); u = scale(m2, 1)")
    assert up.size_spread(clipped) > 10 * up.MAX_SIZE_SPREAD
    # signed momentum times the gradient: a sign in the data flow, but the step's size is
    # the gradient's
    turned = program("m1 = interp(m1, g, 0.9); r1 = sign(m1); u = mul(r1, g)")
    a = up.anatomy(turned)
    assert a["momentum"] and a["normalised"] == "sign" and not a["scale_free"]
    assert not up.is_momentum_based(turned) and "follows the gradient" in up.describe(turned)
    # a step that is 0 at some gradient size has no size to compare
    assert up.size_spread(program("u = const(0)")) == np.inf


def test_a_second_moment_alone_is_not_momentum():
    # RMSprop's accumulator feeds the step only through its size: past gradients never turn
    # the step, so it is not momentum, though a data path from an accumulator reaches u
    rmsprop = program("r1 = square(g); m2 = interp(m2, r1, 0.99); r2 = sqrt(m2); "
                      "r2 = shift(r2, 1e-08); u = div(g, r2)")
    a = up.anatomy(rmsprop)
    assert a["accumulators"] == ["m2"] and a["normalised"] == "second moment"
    assert a["memory"] == 0.0 and not a["momentum"] and not up.is_momentum_based(rmsprop)


def test_an_accumulator_that_forgets_at_once_is_not_momentum():
    forget = {c: up.anatomy(program(f"m1 = interp(m1, g, {c}); u = sign(m1)"))
              for c in (0.0, 0.05, 0.5, 0.9)}
    assert [forget[c]["momentum"] for c in (0.0, 0.05, 0.5, 0.9)] == [False, False, True, True]
    assert forget[0.0]["memory"] == 0.0
    assert forget[0.05]["memory"] < up.MIN_MEMORY < forget[0.5]["memory"] < forget[0.9]["memory"]


def test_steps_are_the_reference_programs_steps():
    # the NumPy steps `memory` reads against the kernel's reference, on random programs
    rng = np.random.default_rng(7)
    G, w = rng.standard_normal((6, 50)), rng.standard_normal(50)
    genomes = np.array([[g.encode(v) for g, v in zip(up.GENES, row)] for row in
                        [up.known(n) for n in up.KNOWN_TEXTS]])
    randoms = np.array([[rng.uniform(g.low, g.high) if g.kind != "cat" else
                         rng.integers(len(g.choices)) for g in up.GENES] for _ in range(40)])
    rows = np.vstack([up.decode_real(genomes), up.decode_real(randoms)])
    for row in rows:
        regs = np.zeros((8, 50))
        want = []
        for t in range(1, 7):
            naive_mlp.program_update(row, w.copy(), G[t - 1], regs, t)
            want.append(regs[7].copy())
        np.testing.assert_array_equal(up.steps(row, G, w), np.array(want))


# -- 4. learned optimizer ----------------------------------------------------------------

def test_adam_as_features_trains_as_the_adam_program(task_sets):
    for tasks in task_sets:
        for lr in (3e-3, 3e-2):
            test_f, train_f = mlp_trainer.losses("learned_optimizer", [lo.known("adam", lr)],
                                                 tasks, 3)
            test_p, train_p = mlp_trainer.losses("update_program", [up.known("adam", lr)],
                                                 tasks, 3)
            assert np.all(np.isfinite(test_p)) and np.any(test_p[..., -1] < test_p[..., 0])
            np.testing.assert_allclose(test_f, test_p, rtol=1e-9, atol=0)
            np.testing.assert_allclose(train_f, train_p, rtol=1e-9, atol=0)


# -- 5. export ---------------------------------------------------------------------------

def run_exported(source, steps, w0):
    """The exported pair applied to a gradient sequence: the weights after each step."""
    ns: dict = {}
    exec(source, ns)          # noqa: S102 (the library's own output)
    w, state, out = w0.copy(), ns["rule_init"](w0), []
    with np.errstate(all="ignore"):
        for g in steps:
            w, state = ns["rule_update"](g, w, state)
            out.append(np.array(w))
    return np.array(out)


def run_kernel(mode, row, steps, w0):
    row = np.ascontiguousarray(row, dtype=np.float64)
    theta, n = w0.copy(), len(w0)
    state = np.zeros((mlp_train.N_REGISTERS if mode == mlp_train.PROGRAM else 4, n))
    update = mlp_train._program_update if mode == mlp_train.PROGRAM \
        else mlp_train._feature_update
    out = []
    for t, g in enumerate(steps):
        update(row, theta, np.ascontiguousarray(g), state, n, t + 1.0)
        out.append(theta.copy())
    return np.array(out)


def gradients(seed, n=9, steps=20):
    """A gradient sequence with a drift, a few exact zeros and a range of scales."""
    rng = np.random.default_rng(seed)
    g = rng.normal(size=(steps, n)) * 10.0 ** rng.uniform(-3, 1, n) + 0.3
    g[rng.random((steps, n)) < 0.1] = 0.0
    return g, rng.normal(size=n)


def assert_export_matches(kind, mode, row, seed=0):
    source = kind.python_source(None, row, "rule", "")
    steps, w0 = gradients(seed)
    np.testing.assert_allclose(run_exported(source, steps, w0),
                               run_kernel(mode, row, steps, w0), rtol=1e-12, atol=0)


EXPORTED_PROGRAMS = {
    "adam": up.known("adam", 0.01), "lion": up.known("lion", 1e-3),
    "adamw": up.known("adamw", 0.01),
    "div_clip_debias_const": program(
        "m1 = interp(m1, g, 0.8); m2 = interp(m2, g, 1.7); r1 = debias(m1, 0.8); "
        "r2 = const(-0.25); r2 = add(r2, m2); r1 = div(r1, r2); r1 = clip(r1, -0.7); "
        "m3 = debias(m3, 2.0); r2 = abs(m3); u = sub(r1, r2)", 0.05),
}


@pytest.mark.parametrize("name", sorted(EXPORTED_PROGRAMS))
def test_exported_known_programs_step_as_the_kernel(name):
    assert_export_matches(PROGRAM_KIND, mlp_train.PROGRAM, EXPORTED_PROGRAMS[name])


def test_exported_random_programs_and_feature_rows_step_as_the_kernel():
    for i, row in enumerate(up.decode_real(random_genomes(25, 4))):
        assert_export_matches(PROGRAM_KIND, mlp_train.PROGRAM, row, seed=i)
    rng = np.random.default_rng(5)
    rows = [lo.known("adam", 0.01), lo.known("signed_momentum", 0.003)] + [
        np.concatenate([[0.01], rng.normal(size=lo.N_COEF - 1) * (rng.random(12) < 0.6)])
        for _ in range(5)]
    for i, row in enumerate(rows):
        assert_export_matches(FEATURE_KIND, mlp_train.FEATURES, row, seed=i)


# -- 6. the command line on toy runs -----------------------------------------------------

@pytest.fixture(scope="module")
def toy_archives(tmp_path_factory):
    """preset -> a 2-generation toy archive made with `evo-l2l run`."""
    folder = tmp_path_factory.mktemp("l2o")
    out = {}
    for preset in ("l2o-programs", "l2o-learned"):
        path = str(folder / f"{preset}.h5")
        res = CliRunner().invoke(main, ["run", preset, *TOY_RUN, "-o", path])
        assert res.exit_code == 0, res.output
        out[preset] = path
    return out


@pytest.mark.parametrize("preset,kind,mode", [
    ("l2o-programs", PROGRAM_KIND, mlp_train.PROGRAM),
    ("l2o-learned", FEATURE_KIND, mlp_train.FEATURES)])
def test_best_prints_the_update_json_and_python_that_steps_as_the_kernel(toy_archives, preset,
                                                                          kind, mode):
    runner = CliRunner()
    path = toy_archives[preset]
    res = runner.invoke(main, ["best", path])
    assert res.exit_code == 0, res.output
    assert "w -= " in res.output
    best = json.loads(runner.invoke(main, ["best", path, "--json"]).output)
    row = np.array(best["coefficients_row"])
    if preset == "l2o-programs":
        assert best["program"] == best["formula"] == up.text_of(row)
        assert np.array_equal(up.parse(best["formula"]), row)
        for line in up.lines(row):
            assert line in res.output
        assert f"# {up.describe(row)}" in res.output
    else:
        assert lo.formula(row) in res.output and len(row) == lo.N_COEF
    res = runner.invoke(main, ["best", path, "--format", "python"])
    assert res.exit_code == 0, res.output
    steps, w0 = gradients(7)
    np.testing.assert_allclose(run_exported(res.output, steps, w0),
                               run_kernel(mode, row, steps, w0), rtol=1e-12, atol=0)


def test_evaluate_shows_the_baselines_and_reads_program_texts(toy_archives):
    runner = CliRunner()
    for preset, path in toy_archives.items():
        res = runner.invoke(main, ["evaluate", path])
        assert res.exit_code == 0, res.output
        for name in ("sgd", "momentum", "nesterov", "adam", "adamw", "lion"):
            assert f"{up.KNOWN_LABELS[name]}, lr " in res.output, (preset, name)
        assert "Adam, lr tuned per task (oracle)" in res.output
        assert "best (generation" in res.output
    path = toy_archives["l2o-programs"]
    res = runner.invoke(main, ["evaluate", path, "--tasks", "fresh", "--n-tasks", "2"])
    assert res.exit_code == 0 and "2 fresh tasks" in res.output, res.output
    text = "lr = 0.01; m1 = interp(m1, g, 0.9); u = sign(m1)"
    res = runner.invoke(main, ["evaluate", path, "--rule", text])
    assert res.exit_code == 0, res.output
    assert f"program {text}" in res.output
    res = runner.invoke(main, ["evaluate", path, "--rule", text, "--json"])
    assert res.exit_code == 0 and json.loads(res.output), res.output
    for bad in ("lr = 0.01; m1 = interp(m1, g, 0.9); u = sgn(m1)",
                "lr = 0.01; m1 = interp(m1, g); u = sign(m1)",
                "__import__('os').system('false')"):
        res = runner.invoke(main, ["evaluate", path, "--rule", bad])
        assert res.exit_code == 2, res.output
        assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1
    assert "unknown op 'sgn'" in runner.invoke(
        main, ["evaluate", path, "--rule", "lr = 0.1; u = sgn(g)"]).output


def test_plot_and_report(toy_archives, tmp_path):
    runner = CliRunner()
    paths = list(toy_archives.values())
    res = runner.invoke(main, ["plot", *paths, "-o", str(tmp_path / "p.png")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "p.png").stat().st_size > 0
    for i, path in enumerate(paths):
        res = runner.invoke(main, ["report", path, "-o", str(tmp_path / f"r{i}")])
        assert res.exit_code == 0, res.output
        assert (tmp_path / f"r{i}" / "report.html").exists()
    assert "Adam" in (tmp_path / "r0" / "report.md").read_text()


@pytest.mark.parametrize("preset,extra", [
    ("l2o-programs", ["--set", "optimizer.in_flight=2", "--set",
                      "optimizer.children_per_call=5"]),
    ("l2o-learned", [])])
def test_resume_of_a_stopped_run_gives_the_uninterrupted_archive(tmp_path, preset, extra):
    runner = CliRunner()
    common = ["run", preset, "--toy", "--population", "10", "--seed", "4", "-q", *extra]
    full, half = str(tmp_path / "full.h5"), str(tmp_path / "half.h5")
    assert runner.invoke(main, [*common, "--generations", "4", "-o", full]).exit_code == 0
    assert runner.invoke(main, [*common, "--generations", "2", "-o", half]).exit_code == 0
    res = runner.invoke(main, ["resume", half, "--generations", "4", "-q"])
    assert res.exit_code == 0, res.output
    assert_same_arrays(arrays_of(full), arrays_of(half))


# -- 7. typed genes under aging evolution ------------------------------------------------

@pytest.mark.parametrize("genes,sigma", [(up.GENES, 0.3), (up.GENES, 3.0), (lo.GENES, 3.0)])
def test_aging_children_of_typed_genomes_stay_valid(genes, sigma):
    s = AgingSettings(tournament_size=4, mutation_prob=0.9, mutation_indpb=0.3,
                      mutation_sigma=sigma, children_per_call=13, in_flight=1)
    search = AgingSearch(s, GenomeSpec("real", len(genes), genes=genes), 20)
    search.rng.seed(11)
    fit = random.Random(3)
    seen = []
    for _ in range(120):
        batch = search.breed()
        assert batch.shape == (len(batch), len(genes))
        for genome in batch:
            assert is_valid(genes, genome), genome
        seen.append(batch)
        search.integrate(np.array([fit.random() for _ in batch]))
    seen = np.vstack(seen)
    assert len(seen) == 1200          # the first 20 random, the rest children
    cats = [j for j, g in enumerate(genes) if g.kind in ("cat", "int")]
    for j in cats:       # every choice is reached
        assert set(seen[:, j]) == set(np.arange(genes[j].low, genes[j].high + 1)), genes[j]
    assert seen[:, 0].min() >= -5.0 and seen[:, 0].max() <= 0.0      # log10 of the rate
    if sigma > 1:
        assert np.sum(seen[:, 0] == -5.0) and np.sum(seen[:, 0] == 0.0)   # clipped, not out


def _random_genomes(rng, n):
    return [[float(rng.integers(len(g.choices))) if g.kind == "cat" else
             float(rng.integers(g.low, g.high + 1)) if g.kind == "int" else
             rng.uniform(g.low, g.high) for g in up.GENES] for _ in range(n)]


def test_an_identity_insertion_leaves_the_program_unchanged():
    # the inserted instruction made the identity (scale by 1 of what it reads): the program
    # steps exactly as before, so the insertion only adds, in the read's path
    rng, draw = np.random.default_rng(5), random.Random(5)
    G, w = rng.standard_normal((6, 40)), rng.standard_normal(40)
    inserted = 0
    for genome in _random_genomes(rng, 300) + [list(up.encode(up.known(n))) for n in
                                                up.KNOWN_TEXTS]:
        before = up.decode_real(np.array([genome]))[0]
        child = list(genome)
        at = up.insert_instruction(child, draw)
        # (known programs' constants, such as momentum's scale 10, lie outside the genes')
        assert is_valid(up.GENES, child) or not is_valid(up.GENES, genome)
        if at is None:
            assert sum(a != b for a, b in zip(genome, child)) == 1       # one op changed
            continue
        inserted += 1
        base = 1 + at * up.SLOT
        child[base] = float(up.OPS.index("scale"))
        child[base + 4] = 1.0
        after = up.decode_real(np.array([child]))[0]
        np.testing.assert_array_equal(up.steps(after, G, w), up.steps(before, G, w))
        assert len(up.live_slots(after)) == len(up.live_slots(before)) + 1
    assert inserted > 150


def test_one_insertion_turns_sign_sgd_into_signed_momentum_now_and_then():
    draw, base = random.Random(1), list(up.encode(up.parse("lr = 0.01; u = sign(g)")))
    found = []
    for _ in range(2000):
        child = list(base)
        up.insert_instruction(child, draw)
        row = up.decode_real(np.array([child]))[0]
        if up.is_momentum_based(row):
            found.append(up.text_of(row))
    assert len(found) >= 10, found
    assert any("interp" in t for t in found)


def test_is_momentum_based_reads_what_anatomy_says():
    """The shortcut (data flow first) against anatomy's full reading, on programs one or two
    insertions from signSGD and Adam, where all of its parts vary."""
    draw = random.Random(4)
    kinds = set()
    for start in (up.parse("lr = 0.01; u = sign(g)"), up.known("adam")):
        for _ in range(60):
            child = list(up.encode(start))
            for _ in range(draw.randint(1, 2)):
                up.insert_instruction(child, draw)
            row = up.decode_real(np.array([child]))[0]
            a = up.anatomy(row)
            full = a["momentum"] and a["normalised"] in ("sign", "second moment") \
                and a["scale_free"]
            assert up.is_momentum_based(row) == full, up.text_of(row)
            kinds.add((a["momentum"], a["normalised"], a["scale_free"]))
    assert len(kinds) >= 4, kinds


def test_aging_inserts_with_insert_prob_and_draws_as_before_without():
    calls = []
    spec = GenomeSpec("real", len(up.GENES), genes=up.GENES,
                      insert=lambda g, r: calls.append(1) or up.insert_instruction(g, r))
    plain = GenomeSpec("real", len(up.GENES), genes=up.GENES)

    def bred(genome, insert_prob):
        s = AgingSettings(tournament_size=4, mutation_prob=1.0, children_per_call=10,
                          in_flight=1, insert_prob=insert_prob)
        search = AgingSearch(s, genome, 10)
        search.rng.seed(2)
        out = []
        for k in range(5):
            out.append(search.breed())
            search.integrate(np.arange(len(out[-1]), dtype=float) + k)
        return np.vstack(out)

    assert np.array_equal(bred(spec, 0.0), bred(plain, 0.0)) and not calls
    bred(spec, 0.5)
    assert 10 <= len(calls) <= 30                     # 40 children, about half inserted
    with pytest.raises(ConfigError, match="insert_prob needs a program genome"):
        AGING.check(AgingSettings(insert_prob=0.5), plain, 10)
    AGING.check(AgingSettings(insert_prob=0.5), spec, 10)


def test_momentum_through_two_state_slots_is_momentum():
    """A search found m3 <- interp(m1, g), m1 <- debias(m3): an average of g kept across
    two slots, signed (Lion's shape). Its accumulator is the cycle m1 -> m3 -> m1."""
    found = up.parse("lr = 0.0089; r1 = debias(m3, 0.85); m3 = interp(m1, g, 0.42); "
                     "m1 = interp(w, r1, 0.0062); u = sign(m3)")
    a = up.anatomy(found)
    assert a["momentum"] and a["normalised"] == "sign" and set(a["accumulators"]) == {"m1", "m3"}
    assert up.is_momentum_based(found)
    # the same cycle without a gradient in it is no momentum
    no_g = up.parse("lr = 0.01; r1 = debias(m3, 0.85); m3 = interp(m1, w, 0.42); "
                    "m1 = interp(w, r1, 0.0062); r2 = sign(m3); u = add(r2, g)")
    assert not up.anatomy(no_g)["momentum"]


def test_compare_takes_the_final_losses_a_caller_has_from_its_curves():
    """The last checkpoint of a run's loss curve is its final loss: compare given it is
    compare training the row itself (so evaluate trains each chosen rule once)."""
    from evo_l2l.analysis import optimizer_eval as oe
    from evo_l2l.experiments import PRESETS
    from evo_l2l.evolution.problem import build_tasks
    from evo_l2l.rules import update_programs as up
    config = PRESETS["l2o-programs"].default_config(toy=True)
    tasks = build_tasks(config)
    train, held = tasks.select("train"), tasks.select("heldout")
    row = up.known("adam", 0.01)
    test, _ = oe.mlp_trainer.losses("update_program", [row], held, 4)
    given = oe.compare("update_program", {"x": row}, train, held, oracle=False,
                       finals={"x": test[0, :, -1]})
    own = oe.compare("update_program", {"x": row}, train, held, oracle=False)
    np.testing.assert_array_equal(given["final"]["x"], own["final"]["x"])
