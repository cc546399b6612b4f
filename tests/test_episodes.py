"""Episode nets (learners/episode_net.py) against the NumPy reference, on random episodes."""
import numpy as np
import pytest

import naive
from evo_l2l.learners.episode_net import episode_accuracy, seen_so_far
from evo_l2l.rules import bengio, bengio_layers
from evo_l2l.tasks.episodes import Episode, pack


def random_episodes(rng, n_episodes=3, S=2, G=3, O=4, H=3, I=5, per=6, task_masks=False):
    """Episodes whose labels are argmax of a random linear map of the inputs (learnable)."""
    episodes = []
    for _ in range(n_episodes):
        M = rng.normal(0, 1, (I, O))

        def draw(n):
            x = rng.normal(0, 1, (n, I))
            return x, np.argmax(x @ M, axis=1)
        train = [draw(per + s) for s in range(S)]
        test = []
        for g in range(G):
            allowed = np.ones(O)
            if task_masks:
                allowed = np.zeros(O); allowed[rng.choice(O, 2, replace=False)] = 1
            test.append((*draw(9 + g), allowed))
        episodes.append(Episode(train, test, rng.normal(0, 1, (H, I)), rng.normal(0, 1, (O, H + 1))))
    return pack(episodes, np.zeros(n_episodes, np.int8), O, "random", {})


@pytest.mark.parametrize("seed", range(3))
def test_kernel_matches_reference(seed):
    rng = np.random.default_rng(seed)
    tasks = random_episodes(rng, task_masks=seed == 2, S=1 + seed, G=1 + seed)
    coef = np.vstack([rng.normal(0, 0.5, (6, 16)), bengio.delta_rule(1.0), bengio.no_learning()])
    got = episode_accuracy(coef, tasks, n_epochs=1 + seed % 2, clip=3.0)
    ref, ties = naive.episode_accuracy(coef, tasks, 1 + seed % 2, 3.0)
    # Equal, but for patterns whose best two outputs tie to rounding (counted by the reference).
    n = np.diff(np.concatenate([tasks.segment_end[:, -1:], tasks.group_end], axis=1), axis=1)
    np.testing.assert_array_less(np.rint(np.abs(got - ref) * n[None, :, None, :]), ties + 0.5)
    assert ties.sum() < 0.05 * ties.size * n.mean()        # most patterns are decided
    # The test can fail: the rules learn (change the accuracies), differently.
    assert np.any(got[:-1, :, 1:] != got[-1:, :, 1:]) and len(np.unique(got)) > 3


def test_layered_rules_match_reference_and_a_frozen_hidden_layer_stays():
    rng = np.random.default_rng(7)
    tasks = random_episodes(rng, S=2, G=2)
    coef = np.vstack([rng.normal(0, 0.5, (5, 32)), bengio_layers.delta_output_rule(1.0),
                      bengio_layers.delta_rule(1.0)])
    got = episode_accuracy(coef, tasks, 1, 3.0)
    ref, ties = naive.episode_accuracy(coef, tasks, 1, 3.0)
    n = np.diff(np.concatenate([tasks.segment_end[:, -1:], tasks.group_end], axis=1), axis=1)
    np.testing.assert_array_less(np.rint(np.abs(got - ref) * n[None, :, None, :]), ties + 0.5)
    # A shared rule is the layered rule with the same 16 coefficients at both layers.
    shared = rng.normal(0, 0.3, (4, 16))
    np.testing.assert_array_equal(episode_accuracy(shared, tasks),
                                  episode_accuracy(np.hstack([shared, shared]), tasks))
    # Output-only learning differs from learning at both layers.
    assert np.any(got[5] != got[6])


def test_measuring_only_the_end_gives_the_same_last_row():
    rng = np.random.default_rng(5)
    tasks = random_episodes(rng, S=3, G=3)
    coef = rng.normal(0, 0.3, (70, 16))            # more rules than one block of 64
    full = episode_accuracy(coef, tasks, 1, 5.0)
    last = episode_accuracy(coef, tasks, 1, 5.0, measure_all=False)
    np.testing.assert_array_equal(last[:, :, -1], full[:, :, -1])
    assert np.isnan(last[:, :, :-1]).all() and not np.isnan(full).any()


def test_no_learning_keeps_the_accuracy_and_seen_so_far_averages_learned_tasks():
    tasks = random_episodes(np.random.default_rng(1), S=3, G=3)
    acc = episode_accuracy(bengio.no_learning(), tasks)
    assert np.all(acc == acc[:, :, :1, :])
    a = np.arange(12.0).reshape(1, 4, 3)         # S = G = 3
    np.testing.assert_allclose(seen_so_far(a)[0], [1.0, 3.0, 6.5, 10.0])
    b = np.arange(6.0).reshape(2, 3)             # S = 1, G = 3: every group
    np.testing.assert_allclose(seen_so_far(b), [1.0, 4.0])


def test_nan_weights_score_zero():
    tasks = random_episodes(np.random.default_rng(2), S=1, G=1)
    coef = np.zeros((1, 16)); coef[0, 0] = np.nan
    assert np.all(episode_accuracy(coef, tasks)[0, :, 1] == 0.0)


def _init_rows(rule, W0, gain):
    from evo_l2l.rules import bengio_init
    rows = np.zeros((len(rule), bengio_init.N_COEF))
    rows[:, :32] = rule
    rows[:, bengio_init.GAIN] = gain
    rows[:, bengio_init.W0_START:] = W0.reshape(len(rule), -1)
    return rows


def test_evolved_initial_weights_match_the_reference():
    """Per-rule initial hidden weights and output gain (rules/bengio_init.py) against the
    NumPy reference, plastic and frozen hidden layers."""
    from evo_l2l.rules import bengio_init
    rng = np.random.default_rng(11)
    H, I = bengio_init.H_INIT, 7
    tasks = random_episodes(rng, n_episodes=2, S=2, G=2, O=3, H=H, I=I, per=4)
    R = 6
    rule = rng.normal(0, 0.3, (R, 32))
    rule[:3, 16:] = 0.0                          # frozen hidden layers
    W0 = rng.normal(0, 0.5, (R, H, bengio_init.I_INIT))
    gain = rng.uniform(0.0, 2.0, R)
    for rows, plastic in ((slice(0, 3), False), (slice(3, R), True)):
        got = episode_accuracy(_init_rows(rule[rows], W0[rows], gain[rows]), tasks, 1, 3.0)
        ref, ties = naive.episode_accuracy(rule[rows], tasks, 1, 3.0, W0_rule=W0[rows],
                                           gain=gain[rows])
        n = np.diff(np.concatenate([tasks.segment_end[:, -1:], tasks.group_end], axis=1), axis=1)
        np.testing.assert_array_less(np.rint(np.abs(got - ref) * n[None, :, None, :]), ties + 0.5)
        # The initial weights matter: the same rules from the episodes' own weights differ.
        assert np.any(got != episode_accuracy(rule[rows], tasks, 1, 3.0))


def test_evolved_initial_weights_equal_to_the_episodes_give_bit_identical_results():
    from evo_l2l.learners.episode_net import init_accuracy
    rng = np.random.default_rng(12)
    tasks = random_episodes(rng, n_episodes=1, S=2, G=2, O=3, H=4, I=6)
    rule = np.vstack([rng.normal(0, 0.3, (5, 32)), bengio_layers.delta_output_rule(0.5)])
    own = episode_accuracy(rule, tasks, 2, 3.0)
    W0 = np.repeat(tasks.W0_hidden, len(rule), axis=0)
    np.testing.assert_array_equal(init_accuracy(rule, W0, np.ones(len(rule)), tasks, 2, 3.0),
                                  own)
    np.testing.assert_array_equal(init_accuracy(rule, W0, None, tasks, 2, 3.0), own)


def test_skipping_a_frozen_hidden_layer_changes_nothing():
    """A zero hidden rule with every weight inside the clip: the skipped updates would have
    left the weights as they were (the kernel's plastic_hidden False)."""
    from evo_l2l.kernels.episode_net import train_episode_population
    rng = np.random.default_rng(13)
    tasks = random_episodes(rng, n_episodes=2, S=2, G=2, O=3, H=4, I=6)
    rule = rng.normal(0, 0.3, (5, 32))
    rule[:, 16:] = 0.0
    out = []
    for plastic in (True, False):
        acc = np.full((5, 2, 3, 2), np.nan)
        train_episode_population(np.ascontiguousarray(rule[:, :16].T),
                                 np.ascontiguousarray(rule[:, 16:].T), tasks.X, tasks.Y,
                                 tasks.W0_hidden, tasks.W0, tasks.n_inputs, tasks.n_outputs,
                                 tasks.segment_end, tasks.group_end, tasks.group_mask, 1, 20.0,
                                 True, 5, acc, np.zeros((0, 4, 7)), np.zeros(0), plastic)
        out.append(acc)
    np.testing.assert_array_equal(out[0], out[1])
    np.testing.assert_array_equal(episode_accuracy(rule, tasks, 1, 20.0), out[0])
