"""Baselines on hand-made episodes whose answers are known."""
import numpy as np
import pytest

from evo_l2l.analysis import baselines as bl
from evo_l2l.tasks.episodes import Episode, pack, with_bias


def two_task_sequence(allowed=None):
    """Task 0: classes 0/1 at x = -5/+5 on axis 0; task 1: classes 2/3 on axis 1."""
    def pts(axis, cls_neg, cls_pos, n):
        x = np.zeros((2 * n, 2)); x[:n, axis] = -5; x[n:, axis] = 5
        return with_bias(x), np.array([cls_neg] * n + [cls_pos] * n)
    allowed = allowed or [np.ones(4), np.ones(4)]
    train = [pts(0, 0, 1, 2), pts(1, 2, 3, 2)]
    test = [(*pts(0, 0, 1, 3), allowed[0]), (*pts(1, 2, 3, 3), allowed[1])]
    rng = np.random.default_rng(0)
    e = Episode(train, test, rng.normal(0, 0.5, (4, 3)), rng.normal(0, 0.5, (4, 5)))
    return pack([e, e], np.zeros(2, np.int8), 4, "hand", {})


def test_memory_baselines_remember_everything():
    tasks = two_task_sequence()
    for method in ("1nn", "centroid"):
        acc = bl.memory_baseline(tasks, method)
        assert np.isnan(acc[:, 0]).all()
        # After task 0: task 0 right; task 1 wrong, its classes 2 and 3 not seen yet.
        np.testing.assert_array_equal(acc[0, 1], [1.0, 0.0])
        np.testing.assert_array_equal(acc[0, 2], [1.0, 1.0])


def test_task_masks_restrict_the_choice():
    masks = [np.array([1., 1, 0, 0]), np.array([0., 0, 1, 1])]
    acc = bl.memory_baseline(two_task_sequence(masks), "1nn")
    np.testing.assert_array_equal(acc[0, 2], [1.0, 1.0])
    scores = np.array([[5.0, 1.0, 9.0]])
    assert bl.masked_accuracy(scores, np.array([0]), np.array([0, 1])) == 1.0
    assert bl.masked_accuracy(scores, np.array([0]), np.array([0, 1, 2])) == 0.0


def test_online_learners_learn_and_joint_training_is_final_only():
    tasks = two_task_sequence()
    sgd = bl.sgd_logistic(tasks, 0.1)
    assert sgd[0, 1, 0] == 1.0 and sgd[0, 2, 1] == 1.0
    mlp = bl.backprop_mlp(tasks, 0.5)
    assert not np.isnan(mlp[:, 0]).any() and mlp[0, 2].mean() > mlp[0, 0].mean()
    joint = bl.joint_logistic(tasks)
    assert np.isnan(joint[:, :-1]).all() and np.all(joint[:, -1] == 1.0)


def test_best_rate_picks_the_best():
    tasks = two_task_sequence()
    calls = []

    def method(t, rate):
        calls.append(rate)
        acc = np.zeros((len(t), 3, 2)); acc[:, -1] = -abs(np.log10(rate) + 1)   # best at 0.1
        return acc
    assert bl.best_rate(method, tasks, (0.01, 0.1, 1.0)) == pytest.approx(0.1)
    assert calls == [0.01, 0.1, 1.0]


def sklearn_nearest_neighbour(tasks):
    """memory_baseline(tasks, '1nn') written with scikit-learn's KNeighborsClassifier."""
    from sklearn.neighbors import KNeighborsClassifier
    out = np.full((len(tasks), tasks.segment_end.shape[1] + 1, tasks.group_end.shape[1]),
                  np.nan)
    for t in range(len(tasks)):
        segments, groups = bl.parts(tasks, t)
        for s in range(len(segments)):
            x = np.vstack([seg[0] for seg in segments[:s + 1]])
            y = np.concatenate([seg[1] for seg in segments[:s + 1]])
            for g, (gx, gy, allowed) in enumerate(groups):
                keep = np.isin(y, allowed)
                if not keep.any():
                    out[t, s + 1, g] = 0.0
                    continue
                model = KNeighborsClassifier(n_neighbors=1).fit(x[keep], y[keep])
                out[t, s + 1, g] = float(np.mean(model.predict(gx) == gy))
    return out


@pytest.mark.parametrize("preset", ["fewshot-digits", "continual-digits"])
def test_the_numpy_nearest_neighbour_is_scikit_learns(toy_runs, preset):
    from evo_l2l.archive import open_run
    tasks = open_run(toy_runs(preset).path).tasks
    assert np.array_equal(bl.memory_baseline(tasks, "1nn"), sklearn_nearest_neighbour(tasks),
                          equal_nan=True)


@pytest.mark.parametrize("preset", ["fewshot-digits", "fewshot-digits-gp", "continual-digits"])
def test_rules_measured_after_training_only_give_the_same_last_row(toy_runs, preset):
    """evaluate's few-shot rules and its choice of the ablation's rate ask the learner for
    row S only (kinds -> learners: parametric and symbolic): the same numbers there."""
    from evo_l2l.analysis.curves import problem_for
    from evo_l2l.analysis.episode_eval import rules_accuracy
    from evo_l2l.archive import open_run
    run = open_run(toy_runs(preset).path)
    problem = problem_for(run)
    rules = [problem.known_rule("delta", r) for r in (0.1, 1.0)]
    settings, tasks = run.config.learner.settings, run.tasks
    full = rules_accuracy(problem, rules, tasks, settings)
    last = rules_accuracy(problem, rules, tasks, settings, measure_all=False)
    np.testing.assert_array_equal(last[:, :, -1], full[:, :, -1])
    assert np.isnan(last[:, :, :-1]).all() and not np.isnan(full[:, :, :-1]).all()
