"""The few-shot baselines: each against a slow obvious reference (loops over episodes and
queries), the protocol (features from background rows, knobs from validation episodes,
the same episodes for the same seed) and the paired statistics."""
import numpy as np
import pytest
from scipy.ndimage import gaussian_filter
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LogisticRegression

from evo_l2l.analysis import fewshot_baselines as fb
from evo_l2l.tasks.class_data import ClassData, split_classes


def make_data(seed=0, n_classes=48, per_class=8, per_group=4, noise=30.0, side=8,
              images=True):
    """8x8 images of random class prototypes plus noise (noise=None: pure random rows, so
    that predictions are arbitrary and only an exact reimplementation agrees)."""
    rng = np.random.default_rng(seed)
    label = np.repeat(np.arange(n_classes), per_class)
    if noise is None:
        x = rng.integers(0, 256, (len(label), side, side))
    else:
        proto = rng.uniform(0, 255, (n_classes, side, side))
        x = np.clip(proto[label] + noise * rng.standard_normal((len(label), side, side)), 0, 255)
    x = x.astype(np.uint8)
    if not images:
        x = x.reshape(len(x), -1).astype(np.float32) / 255.0
    group = np.arange(n_classes) // per_group
    n_groups = int(group.max()) + 1
    return ClassData(x, label, group, tuple(f"c{i}" for i in range(n_classes)),
                     tuple(f"g{i}" for i in range(n_groups)),
                     {"name": "synthetic", "version": "0", "sha256": ""})


PROTOCOL = dict(n_way=5, k_shot=2, n_query=3, n_validation=12, n_evaluation=15, seed=3)


def episodes_of(data, seed=3):
    splits = split_classes(data)
    return splits, fb.protocol_episodes(data, splits, 5, 2, 3, 12, 15, seed)[1]


# --- slow references: one episode and one query at a time -----------------------------

def unit(v):
    return v / np.linalg.norm(v)


def reference_centroid(f, episodes):
    """Nearest centroid by cosine on features f (rows already SimpleShot-normalised)."""
    acc = []
    for e in range(len(episodes)):
        sup, lab = episodes.support[e], episodes.support_label[e]
        cents = [unit(np.mean([f[r] for r, y in zip(sup, lab) if y == c], axis=0))
                 for c in range(episodes.n_way)]
        hits = [int(np.argmax([np.dot(f[r], c) for c in cents])) == y
                for r, y in zip(episodes.query[e], episodes.query_label[e])]
        acc.append(np.mean(hits))
    return np.array(acc)


def simpleshot(x, background):
    mean = x[background].mean(axis=0)
    return np.array([unit(v - mean) for v in x])


def reference_1nn(x, episodes):
    acc = []
    for e in range(len(episodes)):
        hits = []
        for r, y in zip(episodes.query[e], episodes.query_label[e]):
            d = [np.sum((x[r] - x[s]) ** 2) for s in episodes.support[e]]
            hits.append(episodes.support_label[e][int(np.argmin(d))] == y)
        acc.append(np.mean(hits))
    return np.array(acc)


def reference(name, knob, data, background, episodes):
    x = data.flat().astype(np.float64)
    if name == "pixel_1nn":
        return reference_1nn(x, episodes)
    if name == "cosine_centroid":
        return reference_centroid(simpleshot(x, background), episodes)
    if name == "pca_centroid":
        pca = PCA(n_components=knob, svd_solver="full").fit(x[background])
        return reference_centroid(simpleshot(pca.transform(x), background), episodes)
    if name == "lda_centroid":
        pca = PCA(n_components=min(256, x.shape[1]), svd_solver="full").fit(x[background])
        z = pca.transform(x)
        lda = LinearDiscriminantAnalysis(solver="svd").fit(z[background], data.label[background])
        z = lda.transform(z)[:, :knob]
        return reference_centroid(simpleshot(z, background), episodes)
    if name == "blur_centroid":
        blurred = np.array([gaussian_filter(img, knob).ravel()
                            for img in x.reshape(data.x.shape)])
        return reference_centroid(simpleshot(blurred, background), episodes)
    if name == "logistic_support":
        f = simpleshot(x, background)
        acc = []
        for e in range(len(episodes)):
            model = LogisticRegression(C=knob, tol=1e-10, max_iter=100000)
            model.fit(f[episodes.support[e]], episodes.support_label[e])
            acc.append(np.mean(model.predict(f[episodes.query[e]]) == episodes.query_label[e]))
        return np.array(acc)
    raise AssertionError(name)


@pytest.mark.parametrize("name,knob", [("pixel_1nn", None), ("cosine_centroid", None),
                                       ("pca_centroid", 16), ("pca_centroid", 64),
                                       ("lda_centroid", 8), ("blur_centroid", 1.0),
                                       ("logistic_support", 0.1),
                                       ("logistic_support", 100.0)])
def test_each_baseline_equals_slow_reference_on_random_data(name, knob):
    data = make_data(noise=None)
    splits, episodes = episodes_of(data)
    background = fb.background_rows(data, splits)
    method = fb.METHODS[name]
    got = method.accuracy(method.fit(data, background, knob), data.flat(), episodes)
    assert got.shape == (len(episodes),) and got.dtype == np.float64
    np.testing.assert_array_equal(got, reference(name, knob, data, background, episodes))


def test_batched_scorers_agree_across_chunk_sizes(monkeypatch):
    data = make_data(noise=None)
    splits, episodes = episodes_of(data)
    transform = fb.fit_cosine(data, fb.background_rows(data, splits))
    whole = [f(transform, data.flat(), episodes)
             for f in (fb.nn_accuracy, fb.centroid_accuracy)]
    monkeypatch.setattr(fb, "_CHUNK", 1)          # one episode per chunk
    for f, expect in zip((fb.nn_accuracy, fb.centroid_accuracy), whole):
        np.testing.assert_array_equal(f(transform, data.flat(), episodes), expect)


def test_every_baseline_beats_chance_on_easy_data():
    data = make_data()
    rows = fb.run_baselines(data, split_classes(data), **PROTOCOL)
    assert [r["name"] for r in rows] == list(fb.BASELINES)
    for r in rows:
        assert r["evaluation"].shape == (PROTOCOL["n_evaluation"],)
        assert r["mean"] > 0.6, r              # chance is 0.2
        assert r["knob"] in fb.knob_values(r["name"], data, fb.background_rows(
            data, split_classes(data)))
        assert r["validation_mean"] == max(r["validation_by_knob"].values())
    best = [r for r in rows if r["baseline"]]
    assert len(best) == 1
    assert best[0]["validation_mean"] == max(r["validation_mean"] for r in rows)


def test_knob_values_are_capped_by_the_data():
    data = make_data()
    background = fb.background_rows(data, split_classes(data))
    n_bg_classes = len(np.unique(data.label[background]))
    assert fb.knob_values("pca_centroid", data, background) == (16, 32, 64)   # 8x8 pixels
    assert fb.knob_values("lda_centroid", data, background) == (16, n_bg_classes - 1)
    assert fb.knob_values("blur_centroid", data, background) == (0.5, 1.0, 1.5, 2.0)


def test_knob_is_chosen_on_validation_episodes_only(monkeypatch):
    """A fake baseline whose best knob on validation ('a') is its worst on evaluation."""
    data = make_data()
    splits = split_classes(data)
    validation_classes = set(splits["validation"])
    calls = []

    def accuracy(transform, features, episodes):
        on_validation = set(episodes.classes.ravel()) <= validation_classes
        calls.append((transform.knob, on_validation))
        good = (transform.knob == "a") == on_validation
        return np.full(len(episodes), 0.9 if good else 0.1)

    monkeypatch.setitem(fb.BASELINES, "fake", ("knob a wins validation only", ("b", "a")))
    monkeypatch.setitem(fb.METHODS, "fake", fb.Method(lambda d, r, k: fb.Transform(k),
                                                      accuracy))
    [row] = fb.run_baselines(data, splits, names=["fake"], **PROTOCOL)
    assert row["knob"] == "a" and row["validation_mean"] == pytest.approx(0.9)
    assert row["validation_by_knob"] == pytest.approx({"a": 0.9, "b": 0.1})
    np.testing.assert_array_equal(row["evaluation"], np.full(15, 0.1))
    assert calls == [("b", True), ("a", True), ("a", False)]


def test_features_are_fitted_on_background_rows_only(monkeypatch):
    data = make_data()
    splits = split_classes(data)
    seen = []
    for name, method in list(fb.METHODS.items()):
        def spy(d, rows, knob, fit=method.fit):
            seen.append(np.array(rows))
            return fit(d, rows, knob)
        monkeypatch.setitem(fb.METHODS, name, fb.Method(spy, method.accuracy, method.cap))
    fb.run_baselines(data, splits, **PROTOCOL)
    expected = np.flatnonzero(np.isin(data.label, splits["background"]))
    assert len(seen) == sum(len(fb.knob_values(n, data, expected)) for n in fb.BASELINES)
    for rows in seen:
        np.testing.assert_array_equal(rows, expected)


def test_fitted_features_ignore_non_background_rows():
    """Scrambling every validation and evaluation image changes no fitted transform."""
    data = make_data()
    splits = split_classes(data)
    background = fb.background_rows(data, splits)
    other = np.setdiff1d(np.arange(len(data.x)), background)
    x = data.x.copy()
    x[other] = np.random.default_rng(9).integers(0, 256, x[other].shape)
    scrambled = ClassData(x, data.label, data.group, data.class_names, data.group_names,
                          data.identity)
    probe = np.random.default_rng(4).random((7, 64))
    for name, method in fb.METHODS.items():
        for knob in fb.knob_values(name, data, background):
            a = method.fit(data, background, knob)(probe)
            b = method.fit(scrambled, background, knob)(probe)
            np.testing.assert_array_equal(a, b, err_msg=f"{name} {knob}")


def test_same_seed_same_episodes_and_evaluation_independent_of_validation_count():
    data = make_data()
    splits = split_classes(data)
    v1, e1 = fb.protocol_episodes(data, splits, 5, 1, 2, 10, 20, seed=7)
    v2, e2 = fb.protocol_episodes(data, splits, 5, 1, 2, 3, 20, seed=7)
    _, e3 = fb.protocol_episodes(data, splits, 5, 1, 2, 10, 20, seed=8)
    for field in ("support", "support_label", "query", "query_label", "classes"):
        np.testing.assert_array_equal(getattr(e1, field), getattr(e2, field))
        np.testing.assert_array_equal(getattr(v1, field)[:3], getattr(v2, field))
    assert not np.array_equal(e1.query, e3.query)
    assert set(v1.classes.ravel()) <= set(splits["validation"])
    assert set(e1.classes.ravel()) <= set(splits["evaluation"])
    a = fb.run_baselines(data, splits, names=["pca_centroid"], **PROTOCOL)
    b = fb.run_baselines(data, splits, names=["pca_centroid"], **PROTOCOL)
    np.testing.assert_array_equal(a[0]["evaluation"], b[0]["evaluation"])


def test_mean_ci_and_paired_difference_against_manual():
    rng = np.random.default_rng(1)
    a, b = rng.random(50), rng.random(50)
    m, h = fb.mean_ci(a)
    assert m == pytest.approx(np.mean(a))
    assert h == pytest.approx(1.96 * np.std(a, ddof=1) / np.sqrt(50))
    d = a - b
    m, h = fb.paired_difference(a, b)
    assert m == pytest.approx(d.mean())
    assert h == pytest.approx(1.96 * np.sqrt(np.sum((d - d.mean()) ** 2) / 49) / np.sqrt(50))
    with pytest.raises(ValueError, match="same episodes"):
        fb.paired_difference(a, b[:-1])


def test_format_table_and_vector_data():
    data = make_data(images=False)
    splits = split_classes(data)
    rows = fb.run_baselines(data, splits, names=None, **PROTOCOL)
    assert "blur_centroid" not in [r["name"] for r in rows]     # images only
    with pytest.raises(ValueError, match="images"):
        fb.run_baselines(data, splits, names=["blur_centroid"], **PROTOCOL)
    with pytest.raises(ValueError, match="unknown"):
        fb.run_baselines(data, splits, names=["nope"], **PROTOCOL)
    learner = np.full(PROTOCOL["n_evaluation"], 0.5)
    text = fb.format_table(rows, learner=learner)
    lines = text.splitlines()
    best = next(r for r in rows if r["baseline"])
    assert lines[-1].startswith(f"baseline (best validation mean): {best['name']}")
    assert "learner - method" in lines[0]
    for r in rows:
        line = next(l for l in lines if l.startswith(r["name"]))
        m, h = fb.paired_difference(learner, r["evaluation"])
        assert f"{100 * m:+.2f} +- {100 * h:.2f}" in line
        assert f"{100 * r['mean']:.2f} +- {100 * r['ci95']:.2f}" in line
    assert "learner - method" not in fb.format_table(rows)
