"""A meta level's runs below advanced together (evolution/meta_batch.py) against the same
runs one at a time (meta.run_below), and the pooled single-layer kernel against
learning_curves and the NumPy reference."""
import numpy as np
import pytest

from evo_l2l.evolution import meta, meta_batch
from evo_l2l.evolution.problem import build_tasks, make_problem
from evo_l2l.experiments import PRESETS
from evo_l2l.learners.single_layer import learning_curves, pool_tasks, pooled_learning_curves
from evo_l2l.rules import operators as ops

from naive import chalmers_curves

CHALMERS = PRESETS["chalmers1990"]
OPS = ops.OperatorSettings()


def _tasks(seed, **kw):
    config = CHALMERS.default_config(**{"tasks.seed": seed, **kw})
    return build_tasks(config).select("train")


def _row(**kw):
    values = {"selection": "roulette", "tournament_size": 1, "crossover": "two_point",
              "crossover_prob": 0.8, "mutation_indpb": 0.01, "mutation_sigma": 0.5,
              "elitism": 1, "population": 40, **kw}
    return ops.decode(ops.encode(values, OPS)[None], OPS)[0]


def test_pooled_curves_are_each_groups_learning_curves_bit_for_bit():
    # Task sets of different shapes (so the pool pads them), groups of 0 to 130 rules,
    # several on the same rows (their rules share jobs and lanes), in a scrambled order.
    sets = [_tasks(1), _tasks(2),
            _tasks(3, **{"tasks.shapes": [[3, 4, 2], [3, 16, 9]], "tasks.n_heldout": 2})]
    assert sets[2].X.shape[1:] != sets[0].X.shape[1:] and len(sets[2]) != len(sets[0])
    pool, starts = pool_tasks(sets)
    gen = np.random.default_rng(0)
    groups, where = [], []
    for size, s in [(5, 0), (130, 1), (0, 2), (1, 0), (70, 2), (64, 0), (3, 1)]:
        coef = gen.normal(0, 1, (size, 11))
        coef[:, 0] = gen.uniform(0, 2, size)
        groups.append((coef, np.arange(starts[s], starts[s + 1])))
        where.append(s)
    curves = pooled_learning_curves(groups, pool, 4, 20.0)
    serial = pooled_learning_curves(groups, pool, 4, 20.0, serial=True)
    for (coef, _), s, got, got_serial in zip(groups, where, curves, serial):
        want = learning_curves(coef, sets[s], 4, 20.0)
        assert got.shape == want.shape and got.flags.c_contiguous
        assert np.array_equal(got, want) and np.array_equal(got_serial, want)
    # and the slow reference, for one small group
    np.testing.assert_allclose(curves[0], chalmers_curves(groups[0][0], sets[0], 4, 20.0),
                               rtol=0, atol=1e-12)


def test_pooled_curves_refuse_what_learning_curves_refuses():
    pool, starts = pool_tasks([_tasks(1)])
    with pytest.raises(ValueError):
        pooled_learning_curves([(np.zeros((1, 11)), np.arange(starts[1]))], pool, -1)
    with pytest.raises(ValueError):
        pooled_learning_curves([(np.zeros((1, 11)), np.arange(starts[1]))], pool, 2, 0.0)


def test_runs_below_together_are_the_runs_below_one_by_one():
    below = CHALMERS.default_config().to_dict()
    rows = [_row(),                                                 # reaches the target
            _row(selection="tournament", tournament_size=4, crossover="uniform",
                 crossover_prob=0.6, mutation_indpb=0.05, elitism=0, population=9),
            _row(crossover="uniform", population=8, elitism=3, mutation_indpb=0.3),
            _row(selection="tournament", tournament_size=10, population=23, elitism=5)]
    # (2, 102) with the hand-set GA reaches the target after 8659 evaluations
    # (tests/test_meta.py); the others share task seeds, so their rules share jobs.
    jobs = [(below, rows[0], 2, 102, 9000)]
    jobs += [(below, r, rs, ts, 700) for r in rows for rs, ts in [(2, 102), (5, 7)]]
    one_by_one = np.array([meta.run_below(*job) for job in jobs])
    together = np.array(meta_batch.run_below_batch(jobs))
    assert one_by_one[0, 0] == 1 and one_by_one[0, 1] == 8659
    assert np.array_equal(together, one_by_one, equal_nan=True)


def test_in_process_meta_problem_scores_its_runs_below_together(monkeypatch):
    config = PRESETS["schmidhuber1987-meta"].default_config(
        **{"learner.budget": 120, "tasks.n_runs": 2, "tasks.n_heldout": 1})
    problem = make_problem(config, build_tasks(config))
    rows = problem.decode(np.random.default_rng(1).uniform(-1, 1, (3, ops.N_GENES)))
    one_by_one = np.array([[meta.run_below(problem.below, r, int(rs), int(ts), 120)
                            for rs, ts in problem.seeds["train"]] for r in rows])

    def not_one_by_one(*args):
        raise AssertionError("an in-process meta level ran a run below on its own")
    monkeypatch.setattr(meta, "run_below", not_one_by_one)
    assert np.array_equal(problem.summaries(rows), one_by_one, equal_nan=True)


def test_a_meta_problem_sends_workers_chunks_of_runs_that_each_worker_pools(monkeypatch):
    config = PRESETS["schmidhuber1987-meta"].default_config(
        **{"learner.budget": 120, "tasks.n_runs": 2, "tasks.n_heldout": 1})
    problem = make_problem(config, build_tasks(config))
    rows = problem.decode(np.random.default_rng(1).uniform(-1, 1, (3, ops.N_GENES)))
    in_process = problem.summaries(rows)

    class Recording:
        n_workers = 2
        calls = []

        def map(self, fn, items):
            items = list(items)
            self.calls.append((fn, [len(i) for i in items]))
            return [fn(i) for i in items]

    fresh = make_problem(config, build_tasks(config))
    fresh.evaluator = Recording()

    def not_one_by_one(*args):
        raise AssertionError("a worker ran a run below on its own")
    monkeypatch.setattr(meta, "run_below", not_one_by_one)
    assert np.array_equal(fresh.summaries(rows), in_process, equal_nan=True)
    # 3 rules x 2 runs: 4 chunks (2 per worker) of contiguous runs in order (the summaries
    # above), nonempty and of nearly equal size, each one pooled call
    [(fn, sizes)] = Recording.calls
    assert fn is meta.run_below_jobs and len(sizes) == 4 and sum(sizes) == 6
    assert min(sizes) >= 1 and max(sizes) - min(sizes) <= 1


def test_thread_choice_tries_both_ways_then_takes_the_faster():
    choice = meta_batch.ThreadChoice(small=1000)
    assert choice.choose(999) is True and choice.n_large == 0       # small: one thread
    assert choice.choose(5000) is False                             # threads first
    choice.timed(False, 5000, 0.5)
    assert choice.choose(5000) is True                              # then one thread
    choice.timed(True, 5000, 0.1)
    ways = [choice.choose(5000) for _ in range(2 * choice.RETRY)]
    assert ways.count(False) == 2 and ways.count(True) == 2 * choice.RETRY - 2
    choice.timed(True, 5000, 10.0)                                  # one thread got slow
    choice.timed(True, 5000, 10.0)
    assert choice.choose(5000) is False


def test_warming_a_meta_level_loads_the_pooled_kernels(monkeypatch):
    from evo_l2l.kernels import ga_bits, single_layer_groups
    from evo_l2l.rules.kinds import kind_of
    called = []
    for module, name in [(single_layer_groups, "train_chalmers_jobs"),
                         (single_layer_groups, "train_chalmers_jobs_serial"),
                         (ga_bits, "bit_generations")]:
        kernel = getattr(module, name)
        monkeypatch.setattr(module, name,
                            lambda *a, kernel=kernel, name=name: called.append(name) or kernel(*a))
    config = PRESETS["schmidhuber1987-meta"].default_config(
        **{"learner.budget": 60, "tasks.n_runs": 1, "tasks.n_heldout": 1})
    problem = make_problem(config, build_tasks(config))
    kind_of(config).warm(problem)
    assert set(called) == {"train_chalmers_jobs", "train_chalmers_jobs_serial", "bit_generations"}
