"""Glyphs: an Omniglot-sized few-shot dataset rendered offline from the fonts matplotlib ships.

Omniglot (Lake et al. 2015) has 1623 characters of 50 alphabets drawn by 20 people; the
field meta-trains on 30 alphabets and tests on the other 20. This module builds data of
that shape from nothing but installed packages: the DejaVu (Sans, Serif, Mono; four faces
each) and STIX General (four faces) TrueType fonts in matplotlib's mpl-data, drawn by Pillow.

- A class is one Unicode character of a letter, number, symbol or punctuation category;
  its alphabet is its Unicode block (Latin Extended-A, Greek, Cyrillic, Armenian, Hebrew,
  Georgian, Arabic presentation forms, arrows, mathematical operators, box drawing, Braille,
  ...). The Computer Modern faces add variety to the ASCII letters and digits only (their
  other code points hold other symbols). LastResort is not used: its glyphs are boxes.
- A character is dropped when its reference rendering (DejaVu Sans, else the first face
  that has it) is nearly blank, or when it nearly duplicates a character kept before it
  (Latin A, Greek Alpha and Cyrillic A are one class, the first one): cosine similarity
  of the blurred, centred reference renderings >= DUPLICATE. A block keeps at most
  MAX_PER_ALPHABET characters, spread evenly over its code points, so that a few huge blocks
  (mathematical operators, Braille) do not outweigh the scripts.
- Instances: INSTANCES per class, dealt over the faces that have the glyph in a shuffled
  order, each with its own random affine map (rotation, scale, shear, shift), stroke-width
  change (grey erosion or dilation of the large rendering) and smooth elastic jitter;
  resampled to size x size grey (0 = background, 255 = ink).

Everything is drawn from one seed, so the same versions of Pillow (whose wheels carry their
own FreeType), matplotlib (its fonts), scipy and numpy give the same bytes; `identity()`
records them with the sha256 of the arrays, and the archive of every run stores it. The
first use generates the set into the cache folder (`cache_dir()`; about a minute on 2
cores), later uses read it.
"""
from __future__ import annotations

import os
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np

from .class_data import ClassData, digest

GLYPHS_VERSION = "1"
INSTANCES = 20
MAX_PER_ALPHABET = 60
MIN_PER_ALPHABET = 8
DUPLICATE = 0.92
RENDER_PX = 64                  # font size of the large rendering that instances are cut from
DEFAULT_SIZE = 28

FACES = ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf",
         "DejaVuSans-BoldOblique.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
         "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf", "DejaVuSansMono.ttf",
         "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
         "DejaVuSansMono-BoldOblique.ttf", "STIXGeneral.ttf", "STIXGeneralBol.ttf",
         "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf")
ASCII_FACES = ("cmr10.ttf", "cmb10.ttf", "cmss10.ttf", "cmti10.ttf", "cmtt10.ttf")
ASCII_ALNUM = frozenset(range(0x30, 0x3A)) | frozenset(range(0x41, 0x5B)) | frozenset(
    range(0x61, 0x7B))

# Unicode blocks (start, end inclusive, name) that the faces above cover.
BLOCKS = (
    (0x0020, 0x007F, "Basic Latin"), (0x00A0, 0x00FF, "Latin-1 Supplement"),
    (0x0100, 0x017F, "Latin Extended-A"), (0x0180, 0x024F, "Latin Extended-B"),
    (0x0250, 0x02AF, "IPA Extensions"), (0x02B0, 0x02FF, "Spacing Modifier Letters"),
    (0x0370, 0x03FF, "Greek and Coptic"), (0x0400, 0x04FF, "Cyrillic"),
    (0x0500, 0x052F, "Cyrillic Supplement"), (0x0530, 0x058F, "Armenian"),
    (0x0590, 0x05FF, "Hebrew"), (0x0600, 0x06FF, "Arabic"), (0x07C0, 0x07FF, "NKo"),
    (0x0E80, 0x0EFF, "Lao"), (0x10A0, 0x10FF, "Georgian"),
    (0x1400, 0x167F, "Unified Canadian Aboriginal Syllabics"), (0x1680, 0x169F, "Ogham"),
    (0x1D00, 0x1D7F, "Phonetic Extensions"), (0x1D80, 0x1DBF, "Phonetic Extensions Supplement"),
    (0x1E00, 0x1EFF, "Latin Extended Additional"), (0x1F00, 0x1FFF, "Greek Extended"),
    (0x2000, 0x206F, "General Punctuation"), (0x2070, 0x209F, "Superscripts and Subscripts"),
    (0x20A0, 0x20CF, "Currency Symbols"), (0x2100, 0x214F, "Letterlike Symbols"),
    (0x2150, 0x218F, "Number Forms"), (0x2190, 0x21FF, "Arrows"),
    (0x2200, 0x22FF, "Mathematical Operators"), (0x2300, 0x23FF, "Miscellaneous Technical"),
    (0x2400, 0x243F, "Control Pictures"), (0x2460, 0x24FF, "Enclosed Alphanumerics"),
    (0x2500, 0x257F, "Box Drawing"), (0x2580, 0x259F, "Block Elements"),
    (0x25A0, 0x25FF, "Geometric Shapes"), (0x2600, 0x26FF, "Miscellaneous Symbols"),
    (0x2700, 0x27BF, "Dingbats"), (0x27C0, 0x27EF, "Miscellaneous Mathematical Symbols-A"),
    (0x27F0, 0x27FF, "Supplemental Arrows-A"), (0x2800, 0x28FF, "Braille Patterns"),
    (0x2900, 0x297F, "Supplemental Arrows-B"),
    (0x2980, 0x29FF, "Miscellaneous Mathematical Symbols-B"),
    (0x2A00, 0x2AFF, "Supplemental Mathematical Operators"),
    (0x2B00, 0x2BFF, "Miscellaneous Symbols and Arrows"), (0x2C00, 0x2C5F, "Glagolitic"),
    (0x2C60, 0x2C7F, "Latin Extended-C"), (0x2C80, 0x2CFF, "Coptic"),
    (0x2D00, 0x2D2F, "Georgian Supplement"), (0x2D30, 0x2D7F, "Tifinagh"),
    (0x2E00, 0x2E7F, "Supplemental Punctuation"), (0x4DC0, 0x4DFF, "Yijing Hexagram Symbols"),
    (0xA640, 0xA69F, "Cyrillic Extended-B"), (0xA700, 0xA71F, "Modifier Tone Letters"),
    (0xA720, 0xA7FF, "Latin Extended-D"), (0xFB00, 0xFB4F, "Alphabetic Presentation Forms"),
    (0xFB50, 0xFDFF, "Arabic Presentation Forms-A"),
    (0xFE70, 0xFEFF, "Arabic Presentation Forms-B"),
    (0x1D300, 0x1D35F, "Tai Xuan Jing Symbols"),
    (0x1D400, 0x1D7FF, "Mathematical Alphanumeric Symbols"),
    (0x1F000, 0x1F02F, "Mahjong Tiles"), (0x1F030, 0x1F09F, "Domino Tiles"),
)


def block_of(code: int) -> int:
    """Index into BLOCKS of the block holding code, or -1."""
    for i, (a, b, _) in enumerate(BLOCKS):
        if a <= code <= b:
            return i
    return -1


def font_dir() -> Path:
    import matplotlib
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf"


def cache_dir() -> Path:
    """$EVO_L2L_DATA, else $XDG_CACHE_HOME/evo_l2l, else ~/.cache/evo_l2l."""
    if os.environ.get("EVO_L2L_DATA"):
        return Path(os.environ["EVO_L2L_DATA"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "evo_l2l"


def versions() -> str:
    import matplotlib
    import PIL
    import scipy
    from PIL import features
    return (f"glyphs {GLYPHS_VERSION}; pillow {PIL.__version__} freetype "
            f"{features.version('freetype2')}; matplotlib {matplotlib.__version__}; "
            f"scipy {scipy.__version__}; numpy {np.__version__}")


def _wanted(code: int) -> bool:
    cat = unicodedata.category(chr(code))
    return cat[0] in "LNSP" and block_of(code) >= 0


def face_codes() -> dict:
    """{face file: frozenset of the code points it draws (for the ASCII faces: letters and
    digits only)}."""
    from fontTools.ttLib import TTFont
    out = {}
    for name in FACES + ASCII_FACES:
        cmap = TTFont(str(font_dir() / name), lazy=True).getBestCmap()
        codes = {c for c in cmap if _wanted(c)}
        out[name] = frozenset(codes & ASCII_ALNUM if name in ASCII_FACES else codes)
    return out


class _Renderer:
    """Large grey renderings of one character in one face, cropped to their ink."""

    def __init__(self):
        from PIL import ImageFont
        self._fonts = {name: ImageFont.truetype(str(font_dir() / name), RENDER_PX)
                       for name in FACES + ASCII_FACES}

    def render(self, face: str, code: int) -> np.ndarray | None:
        mask = self._fonts[face].getmask(chr(code), mode="L")
        w, h = mask.size
        if w == 0 or h == 0:
            return None
        img = np.asarray(mask, dtype=np.uint8).reshape(h, w)
        rows, cols = np.flatnonzero(img.max(axis=1) > 0), np.flatnonzero(img.max(axis=0) > 0)
        if len(rows) == 0:
            return None
        return img[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]


def _sample(glyph: np.ndarray, size: int, rng: np.random.Generator | None) -> np.ndarray:
    """glyph (h, w) uint8 -> (size, size) float in [0, 255]: fitted into the central 80%
    keeping its aspect ratio; with rng, under a random affine map, stroke change and elastic
    jitter (rng None: the plain reference rendering)."""
    from scipy import ndimage
    g = glyph.astype(np.float64)
    if rng is not None:
        stroke = int(rng.integers(-1, 3))            # erode 1, keep, dilate 1 or 2
        if stroke < 0 and min(g.shape) > 6:
            g = ndimage.grey_erosion(g, size=(3, 3))
        for _ in range(max(stroke, 0)):
            g = ndimage.grey_dilation(g, size=(3, 3))
    h, w = g.shape
    fit = 0.8 * size / max(h, w, 1)                  # glyph pixels -> output pixels
    g = ndimage.gaussian_filter(g, sigma=max(0.45 / fit, 0.0), mode="constant")
    pad = np.zeros((h + 4, w + 4)); pad[2:-2, 2:-2] = g
    centre_in = np.array([(h + 4 - 1) / 2.0, (w + 4 - 1) / 2.0])
    if rng is None:
        A = np.eye(2) / fit
        shift = np.zeros(2)
    else:
        angle = np.deg2rad(rng.uniform(-15.0, 15.0))
        scale = rng.uniform(0.8, 1.1)
        shear = rng.uniform(-0.2, 0.2)
        rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        forward = fit * scale * rot @ np.array([[1.0, shear], [0.0, 1.0]])
        A = np.linalg.inv(forward)
        shift = rng.uniform(-0.08, 0.08, 2) * size
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float64)
    out_c = np.stack([yy.ravel(), xx.ravel()]) - ((size - 1) / 2.0 + shift)[:, None]
    coords = A @ out_c + centre_in[:, None]
    if rng is not None:                              # elastic: smooth field, ~1 output px
        field = rng.normal(0.0, 1.0, (2, size, size))
        field = np.stack([ndimage.gaussian_filter(f, 3.0) for f in field])
        field *= 1.0 / max(np.abs(field).max(), 1e-12)
        coords += (A @ field.reshape(2, -1))
    return ndimage.map_coordinates(pad, coords, order=1, mode="constant").reshape(size, size)


def _candidates(codes: dict, blocks=None) -> list:
    """[(code, block, [faces that draw it])] of every wanted code point (of the named blocks
    only, if given), sorted by code."""
    faces_of: dict = {}
    for face in FACES + ASCII_FACES:
        for c in codes[face]:
            if blocks is None or BLOCKS[block_of(c)][2] in blocks:
                faces_of.setdefault(c, []).append(face)
    return [(c, block_of(c), faces_of[c]) for c in sorted(faces_of)]


def _reference_vector(img: np.ndarray) -> np.ndarray:
    from scipy import ndimage
    v = ndimage.gaussian_filter(img, 0.7).ravel()
    v = v - v.mean()
    return (v / max(np.linalg.norm(v), 1e-12)).astype(np.float32)


def choose_classes(renderer: _Renderer, codes: dict, size: int = 16, blocks=None) -> list:
    """[(code, block, faces)] kept: drawn, not blank, not a near duplicate, at most
    MAX_PER_ALPHABET per block; blocks with fewer than MIN_PER_ALPHABET are dropped.
    Renderings are compared at size x size: small enough that the greedy scan over ~7000
    candidates takes seconds, large enough to tell characters apart."""
    candidates = _candidates(codes, blocks)
    kept = []
    vectors = np.empty((len(candidates), size * size), np.float32)
    for code, block, faces in candidates:
        glyph = renderer.render(faces[0], code)
        if glyph is None or glyph.shape[0] * glyph.shape[1] < 9:
            continue
        ref = _sample(glyph, size, None)
        if (ref > 64).mean() < 0.02:                 # nearly blank at this size
            continue
        v = _reference_vector(ref)
        if kept and float(np.max(vectors[:len(kept)] @ v)) >= DUPLICATE:
            continue
        vectors[len(kept)] = v
        kept.append((code, block, faces))
    by_block: dict = {}
    for item in kept:
        by_block.setdefault(item[1], []).append(item)
    chosen = []
    for block in sorted(by_block):
        items = by_block[block]
        if len(items) < MIN_PER_ALPHABET:
            continue
        if len(items) > MAX_PER_ALPHABET:
            pick = np.unique(np.round(np.linspace(0, len(items) - 1, MAX_PER_ALPHABET)).astype(int))
            items = [items[i] for i in pick]
        chosen += items
    return chosen


def generate(size: int = DEFAULT_SIZE, seed: int = 0, instances: int = INSTANCES,
             progress=None, limit_classes: int | None = None, blocks=None) -> ClassData:
    """Render the glyph set (see the module's docstring). progress(done, total) is called
    as classes are drawn; blocks (names) and limit_classes (the first classes) make a small
    set for tests."""
    renderer = _Renderer()
    chosen = choose_classes(renderer, face_codes(), blocks=blocks)
    if limit_classes is not None:
        chosen = chosen[:limit_classes]
    blocks = sorted({b for _, b, _ in chosen})
    block_index = {b: i for i, b in enumerate(blocks)}
    C = len(chosen)
    x = np.empty((C * instances, size, size), np.uint8)
    label = np.repeat(np.arange(C), instances)
    group = np.array([block_index[b] for _, b, _ in chosen], np.int64)
    streams = np.random.SeedSequence([seed, size]).spawn(C)
    for c, (code, _, faces) in enumerate(chosen):
        rng = np.random.default_rng(streams[c])
        glyphs = {}
        order = rng.permutation(len(faces))
        for i in range(instances):
            face = faces[order[i % len(faces)]]
            if face not in glyphs:
                glyphs[face] = renderer.render(face, code)
            g = glyphs[face]
            if g is None:                            # the face maps it but draws nothing
                g = renderer.render(faces[0], code)
            x[c * instances + i] = np.clip(np.rint(_sample(g, size, rng)), 0, 255)
        if progress is not None:
            progress(c + 1, C)
    names = tuple(f"U+{code:04X} {unicodedata.name(chr(code), '?')}" for code, _, _ in chosen)
    groups = tuple(BLOCKS[b][2] for b in blocks)
    identity = {"name": "evo_l2l.glyphs", "version": versions(),
                "sha256": digest(x, label, group), "size": size, "seed": seed}
    return ClassData(x, label, group, names, groups, identity)


def _path(size: int, seed: int) -> Path:
    return cache_dir() / f"glyphs-v{GLYPHS_VERSION}-{size}px-seed{seed}.npz"


def _print_progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        end = "\n" if done == total else ""
        print(f"\rglyphs: rendering class {done}/{total}", end=end, file=sys.stderr, flush=True)


def load(size: int = DEFAULT_SIZE, seed: int = 0, progress: bool = True) -> ClassData:
    """The glyph set, from the cache folder, generated there on first use.

    The cached file names the versions it was made with; a file made with other versions
    (another Pillow: other FreeType rasterisation) is made again rather than mixed up.
    """
    path = _path(size, seed)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as f:
                if str(f["version"]) == versions():
                    x, label, group = f["x"], f["label"], f["group"]
                    identity = {"name": "evo_l2l.glyphs", "version": str(f["version"]),
                                "sha256": str(f["sha256"]), "size": size, "seed": seed}
                    if digest(x, label, group) == identity["sha256"]:
                        return ClassData(x, label, group, tuple(f["class_names"].tolist()),
                                         tuple(f["group_names"].tolist()), identity)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            pass                                     # unreadable or partial: make it again
    if progress:
        print(f"glyphs: first use, rendering {size}x{size} glyphs into {path}", file=sys.stderr,
              flush=True)
    data = generate(size, seed, progress=_print_progress if progress else None)
    save(data, path)
    return data


def save(data: ClassData, path: Path) -> None:
    """Write atomically (a temporary file, then a rename): a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, x=data.x, label=data.label, group=data.group,
                 class_names=np.array(data.class_names), group_names=np.array(data.group_names),
                 version=np.array(data.identity["version"]),
                 sha256=np.array(data.identity["sha256"]))
    os.replace(tmp, path)
