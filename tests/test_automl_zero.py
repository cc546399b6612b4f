"""AutoML-Zero as a rule kind: FEC semantics, recognising SGD, the program search (resume,
executors), task families, CLI."""
import random

import numpy as np
import pytest
from click.testing import CliRunner

from evo_l2l.archive import open_run
from evo_l2l.cli import main
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.evolution.program_problem import LRU, fec_hit_rate
from evo_l2l.evolution.run import resume_run, start_run
from evo_l2l.experiments import PRESETS
from evo_l2l.learners import programs as lp
from evo_l2l.optimizers.program_mutations import mutate
from evo_l2l.rules import programs as pg

from test_evolution import arrays_of, assert_same_arrays

TOY = PRESETS["automl-zero-linear-full"].toy


def toy_config(**kw):
    return PRESETS["automl-zero-linear-full"].default_config(
        **{**TOY, "run.population": 20, "run.n_generations": 3, **kw})


def problem_of(config):
    return make_problem(config, build_tasks(config))


SGD = pg.KNOWN_PROGRAMS["sgd"](0.2)
# SGD with dead code, and SGD computed another way (v2 = (s0 - s1) * v0, then scaled)
SGD_DEAD = ("setup:\n  s2 = const(0.2)\n  s3 = const(5.0)\npredict:\n  s3 = mean(v0)\n"
            "  s1 = dot(v1, v0)\nlearn:\n  s3 = sub(s0, s1)\n  v2 = mul(s3, v0)\n"
            "  v2 = mul(s2, v2)\n  v1 = add(v1, v2)\n  s3 = abs(s3)")


def test_lru_plan_is_sequential_lru():
    """plan/fill with placeholders == a one-at-a-time LRU, evictions included."""
    rng = random.Random(0)
    keys = [rng.randrange(12) for _ in range(400)]
    value = {k: float(k) * 0.5 for k in range(12)}
    lru = LRU(5)
    got = []
    for start in range(0, len(keys), 7):
        batch = keys[start:start + 7]
        plan = lru.plan(batch)
        misses = [k for k, (kind, _) in zip(batch, plan) if kind == "miss"]
        got.extend(lru.fill(plan, np.array([value[k] for k in misses])).tolist())
    ref, hits, order = [], 0, []
    for k in keys:                       # the obvious LRU
        if k in order:
            hits += 1
            order.remove(k)
        order.append(k)
        if len(order) > 5:
            order.pop(0)
        ref.append(value[k])
    assert got == ref and lru.hits == hits and list(lru.d) == order
    assert fec_hit_rate(keys, 5) == (hits, len(keys))


def test_fec_gives_the_fitness_of_the_program_that_filled_the_entry():
    config = toy_config(**{"rule.fec_cache_size": 4})
    problem = problem_of(config)
    plain = problem_of(config.with_overrides({"run.fitness_cache": False}))
    rnd = random.Random(1)
    s = config.rule.settings
    texts = [pg.to_text(pg.random_program(rnd, s)) for _ in range(40)] + [SGD, SGD_DEAD] * 3
    rnd.shuffle(texts)
    keys = problem.fingerprints(texts)
    assert keys[texts.index(SGD)] == keys[texts.index(SGD_DEAD)]
    got = np.concatenate([problem.evaluate(np.array(texts[i:i + 9], dtype=object))[0]
                          for i in range(0, len(texts), 9)])
    full = plain.evaluate(np.array(texts, dtype=object))[0]
    # The obvious semantics: walk the lookups in order with an LRU of 4 fingerprints.
    order, source, expected = [], {}, []
    for k, f in zip(keys, full):
        if k in order:
            order.remove(k)
        else:
            source[k] = f
        order.append(k)
        if len(order) > 4:
            del source[order.pop(0)]
        expected.append(source[k])
    np.testing.assert_array_equal(got, expected)
    # Programs with distinct fingerprints get exactly their own fitness.
    distinct = [i for i, k in enumerate(keys) if keys.count(k) == 1]
    np.testing.assert_array_equal(got[distinct], full[distinct])
    # Replaying the logged lookups rebuilds the cache and its counts.
    again = problem_of(config)
    again.load_cache(np.array([k for k, _ in problem.cache_log], dtype=np.uint64),
                     np.array([f for _, f in problem.cache_log]))
    assert list(again.fec.d.items()) == list(problem.fec.d.items())
    assert (again.fec.hits, again.fec.lookups) == (problem.fec.hits, problem.fec.lookups)


def test_sgd_is_recognised_through_dead_code_and_others_are_not():
    problem = problem_of(toy_config())
    known = problem.known_algorithm(SGD_DEAD)
    assert known["name"] == "sgd" and known["rate"] == pytest.approx(0.2, rel=1e-12)
    assert problem.rule_details(SGD_DEAD)["pruned"] == pg.to_text(pg.prune(
        pg.parse_program(SGD_DEAD)))
    assert "mean" not in problem.rule_details(SGD_DEAD)["pruned"]
    not_sgd = [SGD.replace("v1 = add(v1, v0)", "v1 = sub(v1, v0)"),            # ascent
               SGD.replace("  s1 = dot(v1, v0)\n", "  s1 = dot(v1, v0)\n  s1 = mul(s1, s1)\n"),
               "setup:\n  v1 = gaussian(0.0, 1.0)\n" + SGD.split("setup:\n")[1],  # w != 0
               SGD.replace("s3 = mul(s2, s3)", "s2 = mul(s2, s2)\n  s3 = mul(s2, s3)")]
    for text in not_sgd:
        assert text != SGD and problem.known_algorithm(text) is None, text


def test_logistic_sgd_is_recognised_on_digits():
    config = PRESETS["automl-zero-digits"].default_config(**PRESETS["automl-zero-digits"].toy)
    problem = problem_of(config)
    known = problem.known_algorithm(pg.KNOWN_PROGRAMS["sgd"](0.5))
    assert known["rate"] == pytest.approx(0.5, rel=1e-9) and "logistic" in known["label"]


def test_learning_only_search_keeps_the_fixed_components():
    fixed = "setup:\npredict:\n  s1 = dot(v1, v0)\nlearn:\n"
    config = toy_config(**{"rule.evolve": ["setup", "learn"], "rule.fixed": fixed,
                           "run.n_generations": 3})
    s = config.rule.settings
    rnd = random.Random(0)
    p = pg.random_program(rnd, s)
    for _ in range(300):
        assert p.predict == pg.parse_program(fixed).predict
        p = mutate(rnd, p, s)


def test_digits_search_and_heldout_pairs_are_disjoint():
    config = PRESETS["automl-zero-digits"].default_config()
    tasks = build_tasks(config)
    pairs = [tuple(p) for p in tasks.params["pairs"]]
    search = set(pairs[:int((tasks.split == 0).sum())])
    held = set(pairs[int((tasks.split == 0).sum()):])
    assert len(search) == 10 and len(held) == 10 and not search & held
    assert set(np.unique(tasks.Y)) == {0.0, 1.0} and tasks.X.shape[2] == 8


@pytest.mark.parametrize("strategy,restarts", [("evolution", 0), ("random", 0),
                                               ("evolution", 45)])
def test_program_search_resumes_exactly_with_batches_in_flight(tmp_path, strategy, restarts):
    over = {"optimizer.strategy": strategy, "optimizer.in_flight": 2,
            "optimizer.children_per_call": 7, "run.n_generations": 6,
            "rule.experiment_size": restarts}
    config = toy_config(**over)
    start_run(config, str(tmp_path / "full.h5"))
    start_run(config.with_overrides({"run.n_generations": 3}), str(tmp_path / "half.h5"))
    assert arrays_of(str(tmp_path / "half.h5"))["state/optimizer/pending_sizes"].sum() > 0
    assert resume_run(str(tmp_path / "half.h5"), 6).status == "complete"
    assert_same_arrays(arrays_of(str(tmp_path / "full.h5")), arrays_of(str(tmp_path / "half.h5")))


def test_program_search_is_the_same_on_a_process_pool(tmp_path):
    from evo_l2l.evolution.executors import ProcessPool
    config = toy_config(**{"run.n_generations": 4})
    start_run(config, str(tmp_path / "a.h5"))
    with ProcessPool(2, min_call_seconds=0) as pool:
        assert start_run(config, str(tmp_path / "b.h5"), executor=pool).status == "complete"
        assert pool.n_remote_calls > 0
    assert_same_arrays(arrays_of(str(tmp_path / "a.h5")), arrays_of(str(tmp_path / "b.h5")))


def test_evolution_improves_and_the_archive_holds_texts(tmp_path):
    config = toy_config(**{"run.n_generations": 30, "run.seed": 0})
    start_run(config, str(tmp_path / "r.h5"))
    run = open_run(str(tmp_path / "r.h5"))
    g = run.generations
    assert g["fitness_mean"][-1] > g["fitness_mean"][0]
    text = g["best_so_far_genome"][-1]
    text = text.decode() if isinstance(text, bytes) else str(text)
    pg.parse_program(text)
    assert len(run.state["cache_keys"]) > 0


def test_cli_best_info_evaluate(tmp_path):
    path = str(tmp_path / "r.h5")
    runner = CliRunner()
    out = runner.invoke(main, ["run", "automl-zero-linear-full", "-o", path, "--population", "20",
                               "--generations", "3"]
                        + [f"--set={k}={v}" for k, v in TOY.items()])
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["info", path])
    assert out.exit_code == 0 and "fec_hit_rate" in out.output
    out = runner.invoke(main, ["best", path, "--top", "2"])
    assert out.exit_code == 0 and "predict:" in out.output and "live of" in out.output
    prog = tmp_path / "sgd.txt"
    prog.write_text(SGD_DEAD)
    out = runner.invoke(main, ["evaluate", path, "--rule", "best", "--rule", f"@{prog}",
                               "--tasks", "fresh", "--n-tasks", "3"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(main, ["evaluate", path])        # the held-out split, said what it holds
    assert out.exit_code == 0 and "are the selection tasks" in out.output, out.output
    out = runner.invoke(main, ["evaluate", path, "--rule", "s1 = eval(v0)"])
    assert out.exit_code == 2 and "Traceback" not in out.output
    out = runner.invoke(main, ["best", path, "--format", "python"])
    assert out.exit_code == 2
    out = runner.invoke(main, ["run", "automl-zero-linear", "-o", str(tmp_path / "x.h5"),
                               "--set", "rule.predict_ops=[\"s=nope(ss)\"]"])
    assert out.exit_code == 2 and "unknown op" in out.output


# -- the selection stage (Real et al. 2020: the best candidates re-evaluated on D_select) --

def test_linear_tasks_have_disjoint_selection_and_unseen_tasks_of_their_own_length():
    config = toy_config()
    tasks = build_tasks(config)
    p = problem_of(config)
    s = config.tasks.settings
    assert {k: len(v) for k, v in p.splits.items()} == {
        "train": s.n_search, "select": s.n_select, "heldout": s.n_heldout}
    assert p._views["train"].n_train == s.n_train
    assert p._views["select"].n_train == p._views["heldout"].n_train == s.n_train_unseen
    held = tasks.select("heldout")
    assert np.array_equal(p.splits["select"].X, held.X[:s.n_select])
    assert np.array_equal(p.splits["heldout"].X, held.X[s.n_select:])
    # fresh tasks (n_heldout = 0) have no selection tasks; a view of mixed lengths is refused
    import dataclasses
    fresh = build_tasks(config, dataclasses.replace(s, n_heldout=0))
    assert len(fresh) == s.n_search and fresh.params["n_select"] == 0
    with pytest.raises(ValueError, match="mix"):
        lp.program_tasks(tasks)


def test_memoised_scores_equal_the_kernel_s():
    p = problem_of(toy_config())
    rnd = random.Random(3)
    rules = [pg.to_text(pg.random_program(rnd, p.s)) for _ in range(30)] + [SGD, SGD_DEAD]
    for split in ("select", "heldout"):
        direct = p.fitness_of(rules, split)
        assert np.array_equal(p.memo_fitness(rules, split), direct)
        assert np.array_equal(p.memo_fitness(rules[::-1], split), direct[::-1])   # from the memo
    assert p.evaluate(p.to_genome_array([SGD]), "heldout")[0][0] == p.fitness_of([SGD], "heldout")[0]


def _select_reference(p, texts, fitness, top):
    """The selection stage the slow way: distinct (pruned) programs in order of search
    fitness, older first on ties; the first of the best on the selection tasks."""
    order = sorted(range(len(texts)), key=lambda i: (-fitness[i], i))
    cands, keys = [], set()
    for i in order:
        k = pg.to_text(pg.prune(p.program(texts[i])))
        if k not in keys:
            keys.add(k)
            cands.append(i)
    cands = cands[:top]
    sel = p.fitness_of([texts[i] for i in cands], "select")
    return cands[int(np.argmax(sel))], float(sel.max())


def test_select_from_matches_the_slow_reference():
    p = problem_of(toy_config(**{"rule.select_top": 5}))
    rnd = random.Random(0)
    texts = [pg.to_text(pg.random_program(rnd, p.s)) for _ in range(25)] + [SGD, SGD_DEAD]
    texts += texts[:4]                                  # duplicates (also after pruning)
    fitness = np.array([round(rnd.random(), 1) for _ in texts])       # ties
    fitness[-5:] = 1.0
    genomes = p.to_genome_array(texts)
    i, best_sel = _select_reference(p, texts, fitness, 5)
    assert p.select_from(genomes, fitness, None) == i
    assert p.select_from(genomes, fitness, genomes[i]) is None        # not better than itself
    worse = min(range(len(texts)), key=lambda j: p.fitness_of([texts[j]], "select")[0])
    if p.fitness_of([texts[worse]], "select")[0] < best_sel:
        assert p.select_from(genomes, fitness, genomes[worse]) == i


def test_the_run_s_best_is_the_best_on_the_selection_tasks(tmp_path):
    config = toy_config(**{"run.n_generations": 6, "rule.select_top": 3, "run.seed": 2})
    start_run(config, str(tmp_path / "r.h5"))
    run = open_run(str(tmp_path / "r.h5"))
    g = run.generations
    p = problem_of(config)
    dec = [[t.decode() if isinstance(t, bytes) else str(t) for t in pop]
           for pop in g["population_genome"]]
    best_sel, best_gen = -np.inf, None
    for gen, (texts, fit) in enumerate(zip(dec, g["population_fitness"])):
        _, sel = _select_reference(p, texts, np.asarray(fit), 3)
        if sel > best_sel:
            best_sel, best_gen = sel, gen
    hof = run.state["hof_genome"]
    hof = hof.decode() if isinstance(hof, bytes) else str(hof)
    assert p.fitness_of([hof], "select")[0] == best_sel
    assert int(run.state["hof_generation"]) == best_gen
    assert float(run.state["hof_heldout_fitness"]) == p.fitness_of([hof], "heldout")[0]
    from evo_l2l.analysis.rules import ranked_rules
    ranked = ranked_rules(run, p, 3)
    assert ranked[0] == (best_gen, hof) and len({p.rule_key(r) for _, r in ranked}) == 3
    out = CliRunner().invoke(main, ["best", str(tmp_path / "r.h5")])
    assert out.exit_code == 0 and f"selection tasks {best_sel:.6f}" in out.output


def test_scores_of_pruned_programs_equal_the_full_programs_bit_for_bit():
    """Programs with dead code removed (rules.programs.live_program_of) score and
    fingerprint as the full programs, bit for bit."""
    p = problem_of(toy_config(**{"rule.init_sizes": [3, 4, 8], "rule.n_matrix": 1}))
    rnd = random.Random(5)
    rules = [pg.to_text(pg.random_program(rnd, p.s)) for _ in range(300)] + [SGD_DEAD]
    full = pg.pack([p.program(r) for r in rules])
    live = pg.pack([pg.live_program_of(r, p.sizes) for r in rules])
    assert len(live[0]) < len(full[0])                       # it removed something
    from evo_l2l.kernels import programs as kp

    def raw(packed, v, preds=False):
        """The kernel on exactly these rows (lp.scores runs the live rows only)."""
        code, imm, bounds = packed
        out = np.zeros((len(bounds), len(v.X)))
        args = (code, imm, bounds, v.X, v.Y, v.n_train, v.n_valid, v.seeds, *p.sizes,
                v.classify, v.squash, v.max_abs_error)
        if not preds:
            kp.program_scores(*args, out)
            return out
        pr = np.zeros((len(bounds), len(v.X), v.n_train + v.n_valid))
        kp.program_predictions(*args, pr, out)
        return pr

    for split in ("train", "select", "heldout"):
        v = p._views[split]
        ref = raw(full, v)
        assert np.array_equal(ref, raw(live, v))
        assert np.array_equal(ref, lp.scores(full, v, p.sizes))
        assert np.array_equal(ref, p.task_scores(rules, split))
    a = raw(full, p._fec_view, preds=True)
    assert np.array_equal(a, raw(live, p._fec_view, preds=True), equal_nan=True)
    assert np.array_equal(a, lp.predictions(full, p._fec_view, p.sizes)[0], equal_nan=True)


@pytest.mark.parametrize("seed", [0, 1])
def test_live_rows_are_the_rows_prune_keeps(seed):
    """kernels.programs.live_rows (numba, what the interpreter runs) against
    rules.programs.prune (Python), on random programs over every op."""
    from evo_l2l.kernels import programs as kp
    ops = list(pg.OP_KEYS)
    s = pg.ProgramSettings(n_scalar=4, n_vector=3, n_matrix=2, setup_ops=ops, predict_ops=ops,
                           learn_ops=ops, init_sizes=[4, 4, 8], max_sizes=[8, 8, 12])
    rnd = random.Random(seed)
    progs = [pg.random_program(rnd, s) for _ in range(400)]
    progs += [pg.parse_program(SGD_DEAD), pg.parse_program(SGD)]
    code, imm, bounds = pg.pack(progs)
    keep = kp.live_rows(code, bounds, 4)
    live = [pg.prune(p) for p in progs]
    assert np.array_equal(kp.live_pack(code, imm, bounds, 4)[0], pg.pack(live)[0])
    assert np.array_equal(kp.live_pack(code, imm, bounds, 4)[1], pg.pack(live)[1])
    assert np.array_equal(kp.live_pack(code, imm, bounds, 4)[2], pg.pack(live)[2])
    assert 0 < keep.sum() < len(keep)


@pytest.mark.parametrize("preset,strategy,fec", [
    ("automl-zero-linear-full", "evolution", True), ("automl-zero-linear-full", "random", True),
    ("automl-zero-linear-full", "evolution", False), ("automl-zero-linear", "evolution", True)])
def test_the_search_s_fast_path_equals_the_slow_search(preset, strategy, fec):
    """Breeding programs as tuples (a prepared Space, no text), one pack per batch for the
    fingerprints and the misses, and fast packing give exactly the children and fitness of
    the slow search (tests/naive_program_search.py: text between every step, the first
    version's breeding, one program at a time through the kernels, a list for the LRU)."""
    from naive_program_search import slow_search
    from evo_l2l.optimizers.program_search import OPTIMIZER
    config = PRESETS[preset].default_config(**{
        **PRESETS[preset].toy, "run.population": 20, "optimizer.strategy": strategy,
        "optimizer.children_per_call": 7, "optimizer.in_flight": 1,
        "rule.fec_cache_size": 30, "run.fitness_cache": fec})
    problem = problem_of(config)
    search = OPTIMIZER.create(config.optimizer.settings, problem.genome, 20)
    search.rng.seed(3)
    bred, fits = [], []
    while len(bred) < 400:
        batch = search.breed()
        fitness, _ = problem.evaluate(batch)
        search.integrate(fitness)
        bred += [pg.to_text(p) for p in problem.rules_of(batch)]
        fits += fitness.tolist()
    ref_bred, ref_fits = slow_search(problem_of(config), config.rule.settings, 20, len(bred), 7,
                                     10, 0.9, strategy, seed=3)
    assert bred == ref_bred
    assert fits == ref_fits
    assert len(set(bred)) > 100 and (not fec or problem.fec.hits > 0)


@pytest.mark.parametrize("seed", range(3))
def test_fast_pack_equals_the_plain_pack(seed):
    rnd = random.Random(seed)
    s = toy_config().rule.settings
    programs = [pg.random_program(rnd, s) for _ in range(30)]
    programs = [mutate(rnd, mutate(rnd, p, s), s) for p in programs] + [
        pg.Program((), ((28, 1, 0, 1, 0.0, 0.0),), ())]
    for a, b in zip(pg.pack(programs), pg.pack_slow(programs)):
        assert a.dtype == b.dtype and a.flags.c_contiguous
        np.testing.assert_array_equal(a, b)
    for a, b in zip(pg.pack([]), pg.pack_slow([])):
        assert a.shape == b.shape and a.dtype == b.dtype


def test_fec_verify_counts_collisions_and_keeps_the_fec_path():
    """fec_verify: every hit is also evaluated in full; a hit whose full fitness differs from
    the cached one is a collision; the fitness served is the FEC run's."""
    over = {"rule.fec_cache_size": 8, "rule.fec_train": 1, "rule.fec_valid": 0}
    fec = problem_of(toy_config(**over))
    verify = problem_of(toy_config(**over, **{"rule.fec_verify": True}))
    plain = problem_of(toy_config(**over, **{"run.fitness_cache": False}))
    rnd = random.Random(2)
    s = fec.s
    # SGD at any rate predicts 0 first: one fingerprint on 1 example, different fitness.
    texts = [pg.KNOWN_PROGRAMS["sgd"](r) for r in (0.1, 0.2, 0.3, 0.2, 0.1)]
    texts += [pg.to_text(pg.random_program(rnd, s)) for _ in range(30)]
    rnd.shuffle(texts)
    got = verify.evaluate(np.array(texts, dtype=object))[0]
    np.testing.assert_array_equal(got, fec.evaluate(np.array(texts, dtype=object))[0])
    full = plain.evaluate(np.array(texts, dtype=object))[0]
    keys = verify.fingerprints(texts)
    order, hits, collisions = [], 0, 0
    for k, f, g in zip(keys, full, got):
        if k in order:
            hits += 1
            collisions += not (f == g or (np.isnan(f) and np.isnan(g)))
            order.remove(k)
        order.append(k)
        if len(order) > 8:
            order.pop(0)
    assert (verify.fec_verified, verify.fec_collisions) == (hits, collisions)
    assert collisions >= 3 and fec.fec_verified == 0


def test_a_verifying_run_is_the_fec_run(tmp_path):
    config = toy_config(**{"run.n_generations": 4})
    start_run(config, str(tmp_path / "a.h5"))
    res = start_run(config.with_overrides({"rule.fec_verify": True}), str(tmp_path / "b.h5"))
    assert_same_arrays(arrays_of(str(tmp_path / "a.h5")), arrays_of(str(tmp_path / "b.h5")))
    assert res.problem.fec_verified == res.problem.fec.hits > 0


RESTARTS = {"rule.experiment_size": 45, "optimizer.children_per_call": 7,
            "optimizer.in_flight": 2, "run.n_generations": 8}


def test_restarts_start_again_on_fresh_search_tasks(tmp_path):
    """rule.experiment_size: every 45 children a new experiment: batches never cross its
    start, its first `population` children are random and the queue is only its own, its
    programs are scored on its own search tasks (fresh, drawn from the seed and its index)
    with FEC keys of their own (the older members age out of the queue, never parents);
    the archive says each generation's experiment."""
    from evo_l2l.optimizers.program_search import OPTIMIZER
    config = toy_config(**RESTARTS, **{"run.fitness_cache": False})
    res = start_run(config, str(tmp_path / "r.h5"))
    run = open_run(str(tmp_path / "r.h5"))
    g = run.generations
    born = 20 + 20 * np.arange(8)             # children at each archived generation
    np.testing.assert_array_equal(g["trace_experiment"], (born - 1) // 45)
    problem = res.problem
    for gen in (2, 4, 7):                     # experiments 1, 2, 3
        e = int(g["trace_experiment"][gen])
        texts = [t.decode() if isinstance(t, bytes) else str(t)
                 for t in g["population_genome"][gen]]
        np.testing.assert_array_equal(g["population_fitness"][gen][-5:],
                                      problem.fitness_of(texts[-5:], f"train@{e}"))
    t1, t2 = problem.experiment_tasks(1), problem.experiment_tasks(2)
    assert not np.array_equal(t1.X, t2.X) and not np.array_equal(t1.X, problem.splits["train"].X)
    np.testing.assert_array_equal(problem_of(config).experiment_tasks(2).X, t2.X)
    # The search alone: batch boundaries and the queue at a restart.
    problem = problem_of(config)
    search = OPTIMIZER.create(config.optimizer.settings, problem.genome, 20)
    search.rng.seed(0)
    births = []
    for _ in range(12):
        batch = search.breed()
        e = getattr(batch, "experiment", 0)
        births.append((search.births - len(batch), search.births, e))
        assert (search.births - 1) // 45 == (search.births - len(batch)) // 45 == e
        search.integrate(problem.evaluate(batch)[0])
        if (search.births - len(batch)) % 45 == 0 and e:
            assert search.n_current == len(batch)       # the new experiment's members
    assert births[-1][2] >= 1
    keys_1 = problem._fingerprints_live(lp.live(pg.pack([pg.program_of(SGD, problem.sizes)]),
                                                problem.sizes), 1)
    assert keys_1 != problem.fingerprints([SGD])


def test_sufficient_fitness_ends_the_run_complete(tmp_path):
    config = toy_config(**{"run.n_generations": 6, "rule.sufficient_fitness": 1e-9})
    res = start_run(config, str(tmp_path / "r.h5"))
    assert res.status == "complete" and res.last.generation == 0
    run = open_run(str(tmp_path / "r.h5"))
    assert run.n_generations_done == 1 and run.status == "complete"
    assert resume_run(str(tmp_path / "r.h5")).last.generation == 0
    never = start_run(toy_config(**{"run.n_generations": 3, "rule.sufficient_fitness": 1.0}),
                      str(tmp_path / "n.h5"))
    assert never.status == "complete" and never.last.generation == 2


def test_fingerprint_keys_hash_each_row_s_bytes():
    """fingerprint_keys (slices of one bytes object) == hashing each row's bytes."""
    import hashlib
    from evo_l2l.evolution.program_problem import fingerprint_keys
    rng = np.random.default_rng(0)
    for shape in [(50, 20), (1, 20), (0, 20), (7, 1)]:
        x = rng.standard_normal(shape) * 1e3
        if x.size:
            x.flat[0], x.flat[-1] = np.nan, np.inf
        v = np.clip(np.nan_to_num(x, nan=3.0e38, posinf=2.0e38, neginf=-2.0e38),
                    -3.0e38, 3.0e38).astype(np.float32) + np.float32(0.0)
        bits = v.view(np.uint32) & np.uint32(0xFFFFFF00)
        ref = [int.from_bytes(hashlib.blake2b(row.tobytes(), digest_size=8).digest(), "little")
               for row in bits]
        assert fingerprint_keys(x) == ref


def test_the_random_bound_screen_is_necessary_for_success():
    """scripts/random_bound_automl_zero.py screens programs by their worst score on a few
    unseen tasks (> 1 - 100 x 0.0001): every SGD rate that solves the unseen tasks passes."""
    config = PRESETS["automl-zero-linear"].default_config(**{"tasks.n_train_unseen": 300})
    problem = problem_of(config)
    rates = np.geomspace(0.01, 1.5, 12)
    texts = [pg.KNOWN_PROGRAMS["sgd"](float(r)) for r in rates]
    unseen = problem.task_scores(texts, "heldout")
    solved = unseen.mean(axis=1) > 0.9999
    assert solved.any() and not solved.all()
    bar = 1.0 - unseen.shape[1] * (1.0 - 0.9999)
    assert (unseen[solved, :5].min(axis=1) > bar).all()
