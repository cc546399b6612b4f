"""The digit task families: offline data, disjoint splits, determinism, prefix-stable episodes."""
import dataclasses

import numpy as np
import pytest

from evo_l2l.tasks import TASK_FAMILIES
from evo_l2l.tasks import digits_data as dd
from evo_l2l.tasks.permuted_digits import HELDOUT_PERMUTATIONS_FROM, permutation
from evo_l2l.tasks.rot_digits import class_images

FAMILIES = ("rot_digits", "permuted_digits", "split_digits")
SMALL = {"rot_digits": dict(n_train_episodes=6, n_heldout=4),
         "permuted_digits": dict(n_train_episodes=2, n_heldout=2, n_tasks=3,
                                 n_train_per_task=10, n_test_per_task=8),
         "split_digits": dict(n_train_episodes=2, n_heldout=2, n_train_per_task=10,
                              n_test_per_task=8)}


def make(name, seed=0, **kw):
    f = TASK_FAMILIES.get(name)
    return f.make(np.random.default_rng(seed), f.settings(**{**SMALL[name], **kw}))


def test_the_data_are_the_bundled_digits_and_identified():
    images, labels = dd.digits()
    assert images.shape == (1797, 8, 8) and np.bincount(labels).min() == 174
    ident = dd.data_identity()
    assert ident["name"] == "sklearn.datasets.load_digits" and len(ident["sha256"]) == 64
    with pytest.raises(ValueError):
        images[0, 0, 0] = 1.0                      # read-only: nobody alters the cached copy


def test_the_digits_are_read_as_scikit_learn_reads_them():
    """Read from the wheel's file without importing scikit-learn: load_digits' arrays, and
    the version scikit-learn itself reports."""
    import sklearn
    from sklearn.datasets import load_digits
    images, labels = dd.digits()
    d = load_digits()
    np.testing.assert_array_equal(images, d.images)
    np.testing.assert_array_equal(labels, d.target)
    assert images.dtype == d.images.dtype and labels.dtype == np.int64
    assert dd.data_identity()["version"] == sklearn.__version__


@pytest.mark.parametrize("name", FAMILIES)
def test_same_seed_same_episodes_and_stored_heldout_is_a_prefix(name):
    a, b, c = make(name), make(name), make(name, seed=1)
    for k, v in a.arrays().items():
        np.testing.assert_array_equal(v, b.arrays()[k], err_msg=k)
    assert not np.array_equal(a.X, c.X)
    more = make(name, n_heldout=SMALL[name]["n_heldout"] + 3).select("heldout")
    few = a.select("heldout")
    np.testing.assert_array_equal(more.X[:len(few)], few.X)
    np.testing.assert_array_equal(more.W0_hidden[:len(few)], few.W0_hidden)
    assert a.params["data"] == dd.data_identity()


def test_rot_digits_classes_and_episodes():
    pools, digit_of = class_images()
    assert len(pools) == 40 and sum(map(len, pools)) == 4 * 1797
    # A quarter turn of a class's images is the next rotation's class.
    np.testing.assert_allclose(np.rot90(pools[0].reshape(-1, 8, 8), 1, axes=(1, 2)).reshape(-1, 64),
                               pools[1])
    ts = make("rot_digits", n_way=3, k_shot=2, n_query=4)
    classes = np.array(ts.params["classes"])
    train, held = classes[ts.split == 0], classes[ts.split == 1]
    assert np.all(digit_of[train] <= 6) and np.all(digit_of[held] >= 7)
    assert ts.segment_end.tolist() == [[6]] * len(ts) and ts.group_end.tolist() == [[18]] * len(ts)
    y = ts.Y.argmax(axis=2)
    assert np.all(np.bincount(y[0, :6], minlength=3) == 2) and np.all(ts.Y.sum(axis=2) == 1)
    assert np.all(ts.X[:, :, -1] == 1.0)              # the bias column


def test_permuted_digits_permutations_are_disjoint_between_splits():
    ts = make("permuted_digits")
    perms = np.array(ts.params["permutations"])
    assert np.all(perms[ts.split == 0] < HELDOUT_PERMUTATIONS_FROM)
    assert np.all(perms[ts.split == 1] >= HELDOUT_PERMUTATIONS_FROM)
    p = permutation(5)
    assert sorted(p.tolist()) == list(range(64)) and np.array_equal(p, permutation(5))
    assert ts.segment_end.shape == (4, 3) and ts.group_mask.sum() == 4 * 3 * 10


@pytest.mark.parametrize("scenario, allowed", [("class", 10), ("task", 2)])
def test_split_digits_tasks_and_scenarios(scenario, allowed):
    ts = make("split_digits", scenario=scenario)
    y = ts.Y.argmax(axis=2)
    for s in range(5):
        a, b = (ts.segment_end[0, s - 1] if s else 0), ts.segment_end[0, s]
        assert set(y[0, a:b].tolist()) <= {2 * s, 2 * s + 1}
    assert np.all(ts.group_mask.sum(axis=2) == allowed)


def test_meta_training_and_heldout_sequences_use_different_images():
    ts = make("split_digits")
    rows = lambda t: {r.tobytes() for r in ts.X[t, :ts.n_patterns[t]]}
    train = set().union(*(rows(t) for t in np.flatnonzero(ts.split == 0)))
    held = set().union(*(rows(t) for t in np.flatnonzero(ts.split == 1)))
    # Identical images exist in the data set itself; the pools share none by index, so at
    # most a duplicate or two.
    assert len(train & held) <= 2


def test_episode_bounds_are_checked():
    ts = make("split_digits")
    with pytest.raises(ValueError, match="episode bounds"):
        dataclasses.replace(ts, group_end=ts.group_end - 1)
    with pytest.raises(ValueError, match="together"):
        dataclasses.replace(ts, group_mask=None)


def test_mnist1d_is_generated_locally_without_touching_the_global_generators(tmp_path,
                                                                            monkeypatch):
    import random
    from evo_l2l.tasks import mnist1d_data
    monkeypatch.setenv("EVO_L2L_DATA", str(tmp_path))       # an empty cache: generated
    random.seed(5); np.random.seed(5)
    before = (random.random(), np.random.random())
    random.seed(5); np.random.seed(5)
    mnist1d_data._load.cache_clear()
    x, y = mnist1d_data.signals()
    assert (random.random(), np.random.random()) == before       # DEAP's `random` untouched
    assert x.shape == (5000, 40) and sorted(set(y.tolist())) == list(range(10))
    assert mnist1d_data.data_identity()["name"] == "mnist1d.data.make_dataset"
    mnist1d_data._load.cache_clear()


def test_mnist1d_is_kept_in_the_cache_folder_and_made_again_when_damaged(tmp_path,
                                                                         monkeypatch):
    from evo_l2l.tasks import mnist1d_data
    monkeypatch.setenv("EVO_L2L_DATA", str(tmp_path))
    made = []
    make = mnist1d_data._make
    monkeypatch.setattr(mnist1d_data, "_make", lambda: made.append(1) or make())
    mnist1d_data._load.cache_clear()
    x, y = mnist1d_data.signals()
    path = mnist1d_data.cache_path()
    assert path.parent == tmp_path and path.exists() and len(made) == 1
    mnist1d_data._load.cache_clear()
    x2, y2 = mnist1d_data.signals()                       # read back: not made again
    assert len(made) == 1 and np.array_equal(x2, x) and np.array_equal(y2, y)
    for damage in (b"not a zip", path.read_bytes()[:-100]):
        path.write_bytes(damage)
        mnist1d_data._load.cache_clear()
        x3, _ = mnist1d_data.signals()
        assert np.array_equal(x3, x)
    assert len(made) == 3
    mnist1d_data._load.cache_clear()


@pytest.mark.parametrize("name", ["permuted_digits", "split_digits"])
def test_continual_families_on_mnist1d(name):
    ts = make(name, dataset="mnist1d")
    assert ts.X.shape[2] == 41 and ts.W0_hidden.shape[2] == 41     # 40 samples + bias
    assert ts.params["data"]["name"] == "mnist1d.data.make_dataset"
