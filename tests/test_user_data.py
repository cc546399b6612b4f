"""Bring-your-own-data loaders (evo_l2l.tasks.user_data): npz, HDF5 and Omniglot-layout
folders into ClassData, every malformed input one ConfigError line naming the file, and the
digits as a cross-domain evaluation set."""
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest
from PIL import Image

from evo_l2l.errors import ConfigError
from evo_l2l.tasks.class_data import SPLITS, digest, draw_episodes, split_classes
from evo_l2l.tasks.user_data import digit_classes, load_class_data


def pil_resize(images, size):
    return np.stack([np.asarray(Image.fromarray(a).resize((size, size), Image.BILINEAR))
                     for a in images])


def labelled_images(rng, n=12, h=5, w=6):
    return (rng.integers(0, 256, (n, h, w), dtype=np.uint8),
            np.array([10, 3, 3, 10, 7, 7, 3, 10, 7, 3, 10, 7][:n]))


# ---- files of arrays ---------------------------------------------------------------------

def test_npz_images_round_trip(tmp_path, rng):
    x, label = labelled_images(rng)
    np.savez(tmp_path / "mine.npz", x=x, label=label)
    d = load_class_data(tmp_path / "mine.npz")
    assert d.is_image and d.x.dtype == np.uint8 and np.array_equal(d.x, x)
    assert d.class_names == ("3", "7", "10")         # numeric order, not string order
    assert np.array_equal(d.label, np.searchsorted([3, 7, 10], label))
    assert d.label.dtype == np.int64
    assert np.array_equal(d.group, np.arange(3)) and d.group_names == d.class_names
    assert d.split is None
    assert d.identity == {"name": "user:mine.npz", "version": "",
                          "sha256": digest(d.x, d.label, d.group)}
    np.savez(tmp_path / "fortran.npz", x=np.asfortranarray(x.astype(np.int64)), label=label)
    f = load_class_data(tmp_path / "fortran.npz", size=3)   # int images in 0..255, any order
    assert np.array_equal(f.x, pil_resize(x, 3)) and f.identity["sha256"] == \
        load_class_data(tmp_path / "mine.npz", size=3).identity["sha256"]


def test_npz_float_images_become_uint8_and_resize(tmp_path, rng):
    xf = rng.uniform(0, 1, (12, 5, 6))
    xf[0, 0, 0], xf[0, 0, 1] = 0.0, 1.0
    label = labelled_images(rng)[1]
    np.savez(tmp_path / "f.npz", x=xf, label=label)
    as_uint8 = np.rint(xf * 255).astype(np.uint8)
    assert np.array_equal(load_class_data(tmp_path / "f.npz").x, as_uint8)
    d = load_class_data(str(tmp_path / "f.npz"), size=4)
    assert d.x.shape == (12, 4, 4) and d.x.dtype == np.uint8
    assert np.array_equal(d.x, pil_resize(as_uint8, 4))


def test_npz_vectors_round_trip_and_size_is_ignored(tmp_path, rng):
    x = rng.normal(size=(9, 4)).astype(np.float32)
    label = np.repeat([5, 1, 2], 3)
    np.savez_compressed(tmp_path / "v.npz", x=x, label=label)
    d = load_class_data(tmp_path / "v.npz", size=8)
    assert not d.is_image and d.x.dtype == np.float32 and np.array_equal(d.x, x)
    assert d.class_names == ("1", "2", "5") and list(d.counts()) == [3, 3, 3]
    np.savez(tmp_path / "i.npz", x=np.arange(18).reshape(9, 2), label=label)
    assert load_class_data(tmp_path / "i.npz").x.dtype == np.float64


def string_fields():
    label = np.array(["cat", "dog", "ant", "cat", "dog", "ant", "eel", "eel"])
    group = np.array(["mammal", "mammal", "insect", "mammal", "mammal", "insect", "fish",
                      "fish"])
    split = np.array(["background", "background", "validation", "background", "background",
                      "validation", "evaluation", "evaluation"])
    return label, group, split


def check_string_fields(d):
    assert d.class_names == ("ant", "cat", "dog", "eel")
    assert d.group_names == ("fish", "insect", "mammal")
    assert list(d.group) == [1, 2, 2, 0]
    assert [SPLITS[s] for s in d.split] == ["validation", "background", "background",
                                            "evaluation"]
    assert d.split.dtype == np.int8


def test_npz_string_labels_groups_and_splits(tmp_path, rng):
    label, group, split = string_fields()
    x = rng.normal(size=(8, 3))
    np.savez(tmp_path / "s.npz", x=x, label=label, group=group, split=split)
    check_string_fields(load_class_data(tmp_path / "s.npz"))
    codes = np.array([SPLITS.index(s) for s in split])
    np.savez(tmp_path / "n.npz", x=x, label=label, group=group, split=codes)
    check_string_fields(load_class_data(tmp_path / "n.npz"))
    np.savez(tmp_path / "b.npz", x=x, label=label.astype("S"), group=group,
             split=split.astype("S"))
    check_string_fields(load_class_data(tmp_path / "b.npz"))
    np.savez(tmp_path / "g.npz", x=x, label=label, group=np.array([4, 4, 9, 4, 4, 9, 1, 1]))
    d = load_class_data(tmp_path / "g.npz")
    assert d.group_names == ("1", "4", "9") and list(d.group) == [2, 1, 1, 0]


def test_h5_round_trip_with_byte_strings(tmp_path, rng):
    label, group, split = string_fields()
    x = rng.integers(0, 256, (8, 4, 4), dtype=np.uint8)
    with h5py.File(tmp_path / "s.h5", "w") as f:
        f["x"] = x
        f["label"] = label.astype("S")                                  # fixed-length bytes
        f.create_dataset("group", data=list(group), dtype=h5py.string_dtype())   # variable
        f["split"] = np.array([SPLITS.index(s) for s in split])
    d = load_class_data(tmp_path / "s.h5")
    check_string_fields(d)
    assert np.array_equal(d.x, x) and d.identity["name"] == "user:s.h5"
    with h5py.File(tmp_path / "v.hdf5", "w") as f:
        f["x"] = x.reshape(8, -1) / 255.0
        f["label"] = np.arange(8) % 2
    d = load_class_data(tmp_path / "v.hdf5", size=3)
    assert d.x.shape == (8, 16) and d.class_names == ("0", "1")


def test_digest_is_deterministic_and_follows_the_data(tmp_path, rng):
    x, label = labelled_images(rng)
    np.savez(tmp_path / "a.npz", x=x, label=label)
    shutil.copy(tmp_path / "a.npz", tmp_path / "b.npz")
    a, b = load_class_data(tmp_path / "a.npz"), load_class_data(tmp_path / "b.npz")
    assert a.identity["sha256"] == load_class_data(tmp_path / "a.npz").identity["sha256"]
    assert a.identity["sha256"] == b.identity["sha256"] and b.identity["name"] == "user:b.npz"
    x[0, 0, 0] ^= 1
    np.savez(tmp_path / "c.npz", x=x, label=label)
    assert load_class_data(tmp_path / "c.npz").identity["sha256"] != a.identity["sha256"]
    assert load_class_data(tmp_path / "a.npz", size=3).identity["sha256"] != \
        a.identity["sha256"]


# ---- Omniglot-layout folders -------------------------------------------------------------

def glyph(rng, h=6, w=6, white=True):
    """A black-stroke-on-white glyph (or white on black)."""
    a = np.full((h, w), 255, np.uint8)
    a[rng.integers(0, h, 3), rng.integers(0, w, 3)] = 0
    return a if white else 255 - a


def write_omniglot(root, alphabets, rng, chars=2, per_char=2, white=True):
    """{alphabet: folder} -> PNGs root/folder/alphabet/characterNN/NN.png; the images."""
    images = {}
    for alphabet, folder in alphabets.items():
        for c in range(1, chars + 1):
            d = Path(root) / folder / alphabet / f"character{c:02d}"
            d.mkdir(parents=True)
            for k in range(per_char):
                a = glyph(rng, white=white)
                Image.fromarray(a).save(d / f"{k:02d}.png")
                images[d / f"{k:02d}.png"] = a
    return images


def test_omniglot_both_folders(tmp_path, rng):
    bg = {f"Alpha{i}": "images_background" for i in range(7)}
    ev = {"Zeta": "images_evaluation", "Beta": "images_evaluation"}
    images = write_omniglot(tmp_path / "omni", {**bg, **ev}, rng)
    (tmp_path / "omni" / "images_background" / "Alpha0" / "notes.txt").write_text("x")
    d = load_class_data(tmp_path / "omni")
    assert d.n_classes == 18 and d.n_groups == 9 and list(d.counts()) == [2] * 18
    assert d.class_names[:3] == ("Alpha0/character01", "Alpha0/character02",
                                 "Alpha1/character01")
    assert d.group_names == tuple(f"Alpha{i}" for i in range(7)) + ("Beta", "Zeta")
    assert list(d.group) == list(np.repeat(np.arange(9), 2))
    split_of_group = [SPLITS[d.split[2 * g]] for g in range(9)]
    assert split_of_group == ["background"] * 5 + ["validation", "background"] + \
        ["evaluation"] * 2                                   # index 5 of 7: Alpha5
    files = sorted(images)       # background before evaluation, then by name: as loaded
    files = [f for f in files if "images_background" in str(f)] + \
        [f for f in files if "images_evaluation" in str(f)]
    assert np.array_equal(d.x, 255 - np.stack([images[f] for f in files]))   # inverted
    assert d.identity["name"] == "user:omni"


@pytest.mark.parametrize("n, validation", [(1, []), (2, [1]), (5, [4]), (6, [5]),
                                           (12, [5, 11])])
def test_omniglot_validation_alphabets(tmp_path, rng, n, validation):
    write_omniglot(tmp_path, {f"A{i:02d}": "images_background" for i in range(n)}, rng,
                   chars=1 if n > 1 else 2, per_char=1)
    d = load_class_data(tmp_path / "images_background")        # ROOT is the folder itself
    got = sorted({int(d.group[c]) for c in np.flatnonzero(d.split == 1)})
    assert got == validation
    assert not np.any(d.split == 2)


def test_omniglot_alphabets_directly_have_no_split(tmp_path, rng):
    write_omniglot(tmp_path / "mine", {"A": "", "B": "", "C": ""}, rng)
    d = load_class_data(tmp_path / "mine")
    assert d.split is None and d.group_names == ("A", "B", "C") and d.n_classes == 6
    parts = split_classes(d, seed=1)
    assert sorted(np.concatenate(list(parts.values())).tolist()) == list(range(6))


def test_omniglot_inversion_is_decided_per_data_set_and_resize(tmp_path, rng):
    images = write_omniglot(tmp_path / "dark", {"A": "", "B": ""}, rng, white=False)
    d = load_class_data(tmp_path / "dark")                # already bright strokes: as is
    assert np.array_equal(d.x, np.stack([images[f] for f in sorted(images)]))
    small = load_class_data(tmp_path / "dark", size=3)
    assert small.x.shape == (8, 3, 3) and np.array_equal(small.x, pil_resize(d.x, 3))
    write_omniglot(tmp_path / "white", {"A": "", "B": ""}, rng)
    d = load_class_data(tmp_path / "white", size=4)
    assert d.x.shape == (8, 4, 4) and d.x.mean() < 127


def test_episodes_on_loaded_data(tmp_path, rng):
    write_omniglot(tmp_path / "omni", {**{f"B{i}": "images_background" for i in range(6)},
                                       "E0": "images_evaluation", "E1": "images_evaluation"},
                   rng, chars=3, per_char=3)
    d = load_class_data(tmp_path / "omni", size=4)
    parts = split_classes(d)
    assert [len(parts[s]) for s in SPLITS] == [15, 3, 6]
    ep = draw_episodes(np.random.default_rng(0), d, parts["evaluation"], 3, 1, 2, 4)
    assert ep.support.shape == (4, 3) and ep.query.shape == (4, 6)
    assert set(ep.classes.ravel()) <= set(parts["evaluation"].tolist())
    x = rng.normal(size=(40, 5))
    np.savez(tmp_path / "v.npz", x=x, label=np.arange(40) % 10, group=np.arange(40) % 10 // 2)
    v = load_class_data(tmp_path / "v.npz")
    parts = split_classes(v)
    assert all(len(parts[s]) for s in SPLITS)
    ep = draw_episodes(np.random.default_rng(0), v, parts["background"], 2, 2, 1, 3)
    assert np.all(v.label[ep.support] == ep.classes[np.arange(3)[:, None], ep.support_label])


# ---- malformed input: one ConfigError line naming the file -------------------------------

def npz(**arrays):
    def write(path):
        np.savez(path, **arrays)
    return write


def h5(**arrays):
    def write(path):
        with h5py.File(path, "w") as f:
            for k, v in arrays.items():
                f[k] = v
    return write


def raw(data: bytes):
    def write(path):
        Path(path).write_bytes(data)
    return write


def truncated_npz(path):
    np.savez_compressed(path, x=np.arange(600.0).reshape(60, 10), label=np.arange(60) % 2)
    data = Path(path).read_bytes()
    Path(path).write_bytes(data[:len(data) // 2])


def scrambled_npz(path):
    """The zip directory intact, an array's compressed bytes not."""
    np.savez_compressed(path, x=np.arange(600.0).reshape(60, 10), label=np.arange(60) % 2)
    data = bytearray(Path(path).read_bytes())
    data[200:400] = bytes(200)
    Path(path).write_bytes(bytes(data))


def bad_object_npz(path):
    np.savez(path, x=np.zeros((4, 2)), label=np.array(["a", 1, "b", 2], dtype=object))


def h5_group_label(path):
    with h5py.File(path, "w") as f:
        f["x"] = np.zeros((4, 3, 3), np.uint8)
        f.create_group("label")


X4 = np.zeros((4, 3, 3), np.uint8)
L4 = np.array([0, 0, 1, 1])
NAN = np.zeros((4, 2)); NAN[1, 1] = np.nan
INF = np.zeros((4, 2)); INF[2, 0] = -np.inf

MALFORMED = {
    "missing.npz": (None, "no such file"),
    "data.txt": (raw(b"1 2 3"), "unknown kind"),
    "nox.npz": (npz(label=L4), "'x'"),
    "nolabel.npz": (npz(x=X4), "'label'"),
    "short.npz": (npz(x=X4, label=L4[:3]), "3 rows"),
    "shortgroup.npz": (npz(x=X4, label=L4, group=np.zeros(5)), "5 rows"),
    "nan.npz": (npz(x=NAN, label=L4), "NaN"),
    "inf.h5": (h5(x=INF, label=L4), "NaN or infinite"),
    "flat.npz": (npz(x=np.zeros(4), label=L4), "shape"),
    "deep.npz": (npz(x=np.zeros((4, 2, 2, 2)), label=L4), "shape"),
    "range.npz": (npz(x=np.full((4, 2, 2), 1.5), label=L4), "[0, 1]"),
    "intrange.npz": (npz(x=np.full((4, 2, 2), 300), label=L4), "0..255"),
    "negative.h5": (h5(x=np.full((4, 2, 2), -0.5), label=L4), "[0, 1]"),
    "group.npz": (npz(x=X4, label=L4, group=np.array(["a", "b", "c", "c"])), "not constant"),
    "splitname.npz": (npz(x=X4, label=L4, split=np.array(["train"] * 4)), "'train'"),
    "splitint.h5": (h5(x=X4, label=L4, split=np.array([0, 0, 3, 3])), "bad split value 3"),
    "splitmix.npz": (npz(x=X4, label=L4, split=np.array([0, 2, 1, 1])), "not constant"),
    "floatlabel.npz": (npz(x=X4, label=np.array([0.5, 0, 1, 1])), "non-integer"),
    "oneclass.npz": (npz(x=X4, label=np.zeros(4, int)), "needs at least 2"),
    "garbage.npz": (raw(b"this is not a zip archive at all"), "not a readable"),
    "truncated.npz": (truncated_npz, "not a readable"),
    "scrambled.npz": (scrambled_npz, "unreadable"),
    "object.npz": (bad_object_npz, "Python objects"),
    "garbage.h5": (raw(b"\x89HDF\r\n\x1a\n broken beyond repair"), "not a readable HDF5"),
    "labelgroup.h5": (h5_group_label, "HDF5 group"),
}


def check_one_line(err, name):
    msg = str(err.value)
    assert name in msg, msg
    assert "\n" not in msg, msg


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_files(tmp_path, name):
    write, words = MALFORMED[name]
    if write is not None:
        write(tmp_path / name)
    with pytest.raises(ConfigError) as err:
        load_class_data(tmp_path / name)
    check_one_line(err, name)
    assert words in str(err.value)


def test_malformed_folders(tmp_path, rng):
    (tmp_path / "empty" / "A" / "character01").mkdir(parents=True)
    with pytest.raises(ConfigError, match="no PNG images") as err:
        load_class_data(tmp_path / "empty")
    check_one_line(err, "empty")

    images = write_omniglot(tmp_path / "corrupt", {"A": "", "B": ""}, rng)
    bad = sorted(images)[3]
    bad.write_bytes(b"not a png")
    with pytest.raises(ConfigError, match="not a readable PNG") as err:
        load_class_data(tmp_path / "corrupt")
    check_one_line(err, str(bad))

    images = write_omniglot(tmp_path / "cut", {"A": "", "B": ""}, rng)
    bad = sorted(images)[2]
    Image.fromarray(rng.integers(0, 256, (6, 6), dtype=np.uint8)).save(bad)
    bad.write_bytes(bad.read_bytes()[:-30])
    with pytest.raises(ConfigError, match="not a readable PNG") as err:
        load_class_data(tmp_path / "cut")
    check_one_line(err, str(bad))

    images = write_omniglot(tmp_path / "shapes", {"A": "", "B": ""}, rng)
    odd = sorted(images)[5]
    Image.fromarray(np.zeros((7, 6), np.uint8)).save(odd)
    with pytest.raises(ConfigError, match="share a shape") as err:
        load_class_data(tmp_path / "shapes", size=4)
    check_one_line(err, str(odd))

    write_omniglot(tmp_path / "twice", {"A": "images_background", "B": "images_background"},
                   rng)
    write_omniglot(tmp_path / "twice2", {"A": "images_evaluation"}, rng)
    shutil.move(tmp_path / "twice2" / "images_evaluation", tmp_path / "twice")
    with pytest.raises(ConfigError, match="also in") as err:
        load_class_data(tmp_path / "twice")
    check_one_line(err, "twice")

    write_omniglot(tmp_path / "one", {"A": ""}, rng, chars=1)
    with pytest.raises(ConfigError, match="needs at least 2") as err:
        load_class_data(tmp_path / "one")
    check_one_line(err, "one")


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_size(tmp_path, size):
    np.savez(tmp_path / "a.npz", x=X4, label=L4)
    with pytest.raises(ConfigError, match="positive integer"):
        load_class_data(tmp_path / "a.npz", size=size)


# ---- digits as the cross-domain test set -------------------------------------------------

def test_digit_classes():
    from evo_l2l.tasks import digits_data as dd
    d = digit_classes(14)
    assert d.x.shape == (1797, 14, 14) and d.x.dtype == np.uint8 and d.is_image
    assert d.n_classes == 10 and d.counts().sum() == 1797 and d.counts().min() >= 170
    assert d.class_names == tuple("0123456789") and d.group_names == ("digits",)
    assert np.all(d.group == 0) and np.all(d.split == SPLITS.index("evaluation"))
    assert d.identity == dict(dd.data_identity(), size=14)
    images, labels = dd.digits()
    as_uint8 = np.rint(images / 16 * 255).astype(np.uint8)
    assert np.array_equal(d.label, labels)
    assert np.array_equal(d.x[:5], pil_resize(as_uint8[:5], 14))
    assert np.array_equal(digit_classes(8).x, as_uint8)
    parts = split_classes(d)
    assert len(parts["background"]) == 0 and len(parts["evaluation"]) == 10


def test_the_split_is_part_of_the_identity(tmp_path):
    x = np.arange(4 * 3 * 4, dtype=np.uint8).reshape(4 * 3, 2, 2)
    label = np.repeat(np.arange(4), 3)
    np.savez(tmp_path / "a.npz", x=x, label=label)
    np.savez(tmp_path / "b.npz", x=x, label=label,
             split=np.repeat(["background", "background", "validation", "evaluation"], 3))
    a = load_class_data(tmp_path / "a.npz")
    b = load_class_data(tmp_path / "b.npz")
    assert a.identity["sha256"] != b.identity["sha256"]
