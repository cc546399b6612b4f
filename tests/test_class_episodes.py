"""class_episodes: few-shot episodes of a class data set, split by alphabet."""
import numpy as np
import pytest

from evo_l2l.components import validate_settings
from evo_l2l.errors import ConfigError
from evo_l2l.tasks import TASK_FAMILIES, class_data as cd, user_data
from evo_l2l.tasks.class_episodes import Settings, make_class_episodes

SIDE = 6


@pytest.fixture
def npz(tmp_path):
    """12 alphabets of 3 classes, 8 images each (6 x 6), written as a user's npz."""
    rng = np.random.default_rng(0)
    n_alphabets, per_alphabet, per_class = 12, 3, 8
    C = n_alphabets * per_alphabet
    label = np.repeat(np.arange(C), per_class)
    prototypes = rng.integers(0, 256, (C, SIDE, SIDE))
    x = np.clip(prototypes[label] + rng.normal(0, 20, (len(label), SIDE, SIDE)), 0, 255)
    path = tmp_path / "toy.npz"
    np.savez(path, x=x.astype(np.uint8), label=label,
             group=np.array([f"alphabet{c // per_alphabet}" for c in label]))
    return path


def settings(path, **kw) -> Settings:
    base = dict(dataset="path", path=str(path), size=SIDE, n_way=2, k_shot=1, n_query=3,
                n_train_episodes=12, n_heldout=6, n_hidden=4)
    return validate_settings(Settings(**{**base, **kw}), "tasks")


def make(s: Settings, seed: int = 0):
    return make_class_episodes(np.random.default_rng(seed), s)


def test_train_classes_are_background_and_heldout_classes_validation(npz):
    tasks = make(settings(npz))
    data = user_data.load_class_data(npz, SIDE)
    splits = cd.split_classes(data)
    p = tasks.params
    classes = np.array(p["classes"])
    train, heldout = tasks.split == 0, tasks.split == 1
    assert train.sum() == 12 and heldout.sum() == 6
    assert np.isin(classes[train], splits["background"]).all()
    assert np.isin(classes[heldout], splits["validation"]).all()
    assert not np.isin(classes, splits["evaluation"]).any()
    assert p["split_classes"] == {k: len(v) for k, v in splits.items()}
    assert p["data"] == data.identity and p["n_way"] == 2 and p["heldout_split"] == "validation"
    # inputs: the pixels and the bias; 2-way one-hot targets; one support, one query group
    assert tasks.X.shape == (18, 2 * 1 + 2 * 3, SIDE * SIDE + 1)
    assert np.all(tasks.n_inputs == SIDE * SIDE + 1) and np.all(tasks.X[:, :, -1] == 1.0)
    assert tasks.Y.shape[2] == 2 and tasks.segment_end.shape == (18, 1)
    assert TASK_FAMILIES.get("class_episodes").make is make_class_episodes


def test_pixels_are_standardised_by_background_rows(npz):
    tasks = make(settings(npz, n_train_episodes=200))
    x = tasks.select("train").X[:, :, :-1].reshape(-1, SIDE * SIDE)
    # over many background episodes: mean near 0, one global scale near 1
    assert abs(x.mean()) < 0.1 and 0.8 < x.std() < 1.2


def test_same_seed_same_arrays_and_prefixes(npz):
    a, b = make(settings(npz), 3), make(settings(npz), 3)
    for k in ("X", "Y", "W0", "W0_hidden", "split", "segment_end", "group_end"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k), err_msg=k)
    assert a.params == b.params
    assert not np.array_equal(a.X, make(settings(npz), 4).X)
    # more held-out episodes (or fewer training ones) keep the first held-out ones: evaluate
    # draws 1000 and checks the stored ones against them
    more = make(settings(npz, n_heldout=10, n_train_episodes=1), 3).select("heldout")
    stored = a.select("heldout")
    np.testing.assert_array_equal(more.X[:6], stored.X)
    np.testing.assert_array_equal(more.W0_hidden[:6], stored.W0_hidden)


def test_vectors_keep_their_width(tmp_path):
    rng = np.random.default_rng(1)
    label = np.repeat(np.arange(30), 5)
    path = tmp_path / "vectors.npz"
    np.savez(path, x=rng.normal(0, 1, (len(label), 7)) + label[:, None], label=label)
    tasks = make(settings(path, n_query=2))
    assert tasks.X.shape[2] == 8


@pytest.mark.parametrize("kind", ["missing", "corrupt", "wrong"])
def test_a_bad_path_is_one_config_error_line(tmp_path, kind):
    path = tmp_path / "data.npz"
    if kind == "corrupt":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif kind == "wrong":
        path = tmp_path / "data.txt"
        path.write_text("x")
    with pytest.raises(ConfigError) as err:
        make(settings(path))
    assert "\n" not in str(err.value) and str(path) in str(err.value)


def test_settings_refuse_digits_and_a_missing_path(npz):
    with pytest.raises(ConfigError, match="digits.*evaluation classes only") as err:
        validate_settings(Settings(dataset="digits"), "tasks")
    assert "\n" not in str(err.value)
    with pytest.raises(ConfigError, match="needs tasks.path"):
        validate_settings(Settings(dataset="path"), "tasks")
    with pytest.raises(ConfigError, match="only with dataset 'path'"):
        validate_settings(Settings(dataset="glyphs", path=str(npz)), "tasks")
    with pytest.raises(ConfigError, match="k_shot \\+ n_query"):
        validate_settings(Settings(dataset="glyphs", k_shot=5, n_query=16), "tasks")


def test_too_few_classes_in_a_split_is_one_config_error_line(npz):
    with pytest.raises(ConfigError, match="validation classes") as err:
        make(settings(npz, n_way=12))
    assert "\n" not in str(err.value)
