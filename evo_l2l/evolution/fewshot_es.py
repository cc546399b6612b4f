"""Meta-training the evolved few-shot learner (learners/conv_prototype.py) on fresh episodes.

Rich meta-training data only pays if every generation sees new episodes: a fixed set of a
few dozen episodes is learned by heart (the digits' lesson). So this search draws its
training episodes anew each generation from the background classes, which a task set of
fixed arrays cannot hold; it is the episodic counterpart of evolution/loop.py, with its
own small archive (`fewshot_archive.py`).

The search: OpenAI-ES (Salimans et al. 2017) with antithetic pairs, centred ranks and
Adam on the mean, every pair scored on the same episodes (common random numbers); the
fitness is the mean query log-likelihood of the rule-learned readout, smooth where accuracy
is a step. The genome that is reported is the mean with the best accuracy on the fixed
validation episodes (validation alphabets), checked every `validate_every` generations;
evaluation alphabets are never looked at here.

Everything random comes from the seed by counter: generation g's episodes from
SeedSequence([seed, 1, g]), its perturbations from [seed, 2, g], the validation episodes
from [seed, 3], the start genome from the seed. A resumed run therefore continues exactly,
and since each kernel job writes its own slot and every sum runs in a fixed order, the
thread count does not change a bit.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass

import numpy as np

from ..components import Settings, need, setting
from ..learners import conv_prototype as cp
from ..optimizers.es import centred_ranks
from ..tasks import class_data as cd


@dataclass
class FewshotSettings(Settings):
    dataset: str = setting("glyphs", "meta-training data: the rendered glyphs, or a user's "
                                     "file or folder (path)", choices=("glyphs", "path"))
    path: str | None = setting(None, "a user's .npz / .h5 / Omniglot folder when dataset = path")
    size: int = setting(28, "image side in pixels (glyphs are rendered at this size on first use, then read from the cache)",
                        low=8, high=64)
    n_way: int = setting(5, "classes per validation and evaluation episode", low=2, high=60)
    k_shot: int = setting(1, "support images per class", low=1, high=10)
    n_query: int = setting(15, "query images per class in validation episodes", low=1, high=19)
    train_way: int = setting(20, "classes per meta-training episode (more classes: more "
                                 "signal per image)", low=2, high=100)
    train_query: int = setting(5, "query images per class in meta-training episodes", low=1,
                               high=19)
    episodes_per_generation: int = setting(2, "fresh meta-training episodes per generation",
                                           low=1, high=1000)
    population: int = setting(64, "perturbed genomes per generation (antithetic pairs)",
                              low=2, high=100_000)
    sigma: float = setting(0.02, "perturbation size", low=0, low_open=True)
    lr: float = setting(0.01, "Adam's step on the mean", low=0, low_open=True)
    n_generations: int = setting(600, "generations", low=0, high=10_000_000)
    validate_every: int = setting(25, "generations between validation checks", low=1)
    n_validation: int = setting(200, "validation episodes (validation alphabets)", low=1,
                                high=100_000)
    k1: int = setting(5, "first conv filter side", low=1, high=15)
    c1: int = setting(8, "first conv filters", low=1, high=256)
    k2: int = setting(3, "second conv filter side", low=1, high=15)
    c2: int = setting(16, "second conv filters", low=1, high=256)
    seed: int = setting(0, "the run's seed: start genome, episodes, perturbations", low=0)

    def check(self) -> None:
        need(self.population % 2 == 0, "population must be even (antithetic pairs)")
        need(self.dataset != "path" or bool(self.path), "dataset = path needs a path")
        need(self.k_shot + self.n_query <= 20 or self.dataset == "path",
             "glyph classes have 20 images: k_shot + n_query must be <= 20")
        need(self.k_shot + self.train_query <= 20 or self.dataset == "path",
             "glyph classes have 20 images: k_shot + train_query must be <= 20")
        try:
            self.net()
        except ValueError as exc:
            need(False, str(exc))

    def net(self) -> cp.ConvNet:
        return cp.ConvNet(self.size, self.k1, self.c1, self.k2, self.c2)


def memory_needed(s: FewshotSettings, n_images: int = 0) -> int:
    """Bytes a run needs at most, roughly: the genomes, one generation's features and
    readout (float64 copies), a batch of validation episodes, the images as float32."""
    net = s.net()
    F, L = net.n_features, net.n_genes
    train_rows = s.episodes_per_generation * s.train_way * (s.k_shot + s.train_query)
    genomes = s.population * L * (8 + 8 + 4)
    feats = s.population * train_rows * F * 4
    readout = s.population * s.episodes_per_generation * (
        3 * s.train_way * (s.k_shot + s.train_query) + 2 * s.train_way) * F * 8
    val_rows = min(s.n_validation, 200) * s.n_way * (s.k_shot + s.n_query)
    validation = val_rows * F * (4 + 3 * 8)
    return int(genomes + feats + readout + validation + n_images * s.size * s.size * 5)


def check_memory(s: FewshotSettings, n_images: int = 0) -> None:
    from .run import memory_available
    need, have = memory_needed(s, n_images), memory_available()
    if have is not None and need > have:
        from ..errors import ConfigError
        raise ConfigError(f"population {s.population} x {s.episodes_per_generation} episodes "
                          f"of {s.train_way} classes needs about {need / 1e9:.1f} GB of memory "
                          f"(an estimate), and {have / 1e9:.1f} GB are available; use a smaller "
                          f"configuration")


def load_data(s: FewshotSettings) -> cd.ClassData:
    if s.dataset == "glyphs":
        from ..tasks import glyphs
        return glyphs.load(size=s.size)
    from ..tasks.user_data import load_class_data
    return load_class_data(s.path, size=s.size)


def images_of(data: cd.ClassData) -> np.ndarray:
    """(n, S, S) float32 in [0, 1]."""
    if not data.is_image:
        from ..errors import ConfigError
        raise ConfigError("the conv learner needs images (n, h, w); these data are vectors")
    return data.x.astype(np.float32) / np.float32(255.0)


def generation_episodes(s: FewshotSettings, data, splits, g: int) -> cd.Episodes:
    rng = np.random.default_rng(np.random.SeedSequence([s.seed, 1, g]))
    return cd.draw_episodes(rng, data, splits["background"], s.train_way, s.k_shot,
                            s.train_query, s.episodes_per_generation)


def validation_episodes(s: FewshotSettings, data, splits) -> cd.Episodes:
    rng = np.random.default_rng(np.random.SeedSequence([s.seed, 3]))
    return cd.draw_episodes(rng, data, splits["validation"], s.n_way, s.k_shot, s.n_query,
                            s.n_validation)


@dataclass
class State:
    """What a resume needs: the mean, Adam's moments, the generation reached, the records."""

    theta: np.ndarray
    m: np.ndarray
    v: np.ndarray
    generation: int
    best_theta: np.ndarray
    best_accuracy: float
    best_generation: int
    val_generation: list
    val_accuracy: list
    train_fitness: list
    seconds: float = 0.0        # wall time of meta-training, over every resume

    @classmethod
    def start(cls, s: FewshotSettings) -> "State":
        theta = s.net().start(s.seed).astype(np.float64)
        return cls(theta, np.zeros_like(theta), np.zeros_like(theta), 0, theta.copy(),
                   -1.0, -1, [], [], [])


_CONTEXT: dict = {}       # a worker's data, loaded once per process: (dataset, path, size) -> ...


def _context(s: FewshotSettings):
    key = (s.dataset, s.path, s.size)
    if key not in _CONTEXT:
        data = load_data(s)
        _CONTEXT.clear()
        _CONTEXT[key] = (data, cd.split_classes(data), images_of(data))
    return _CONTEXT[key]


def fitness_chunk(item) -> np.ndarray:
    """(settings as a dict, generation, (n, L) float32 genomes) -> (n,) fitness: the mean
    query log-likelihood on the generation's episodes. Module-level and fed plain data, so
    a process pool or Dask worker can run it; a genome's fitness does not depend on the
    other genomes of its chunk (each kernel job and each readout row is its own)."""
    settings, g, genomes = item
    s = FewshotSettings(**settings)
    data, splits, images = _context(s)
    _, ll = cp.episode_scores(s.net(), genomes, images, generation_episodes(s, data, splits, g))
    return ll.mean(axis=1)


def step(s: FewshotSettings, net: cp.ConvNet, images: np.ndarray, data, splits,
         state: State, executor=None) -> None:
    """One generation: perturb, score every genome on the generation's episodes (in this
    process, or in chunks on the executor's workers), Adam."""
    g = state.generation
    eps_rng = np.random.default_rng(np.random.SeedSequence([s.seed, 2, g]))
    half = s.population // 2
    eps = eps_rng.standard_normal((half, len(state.theta)))
    genomes = np.concatenate([state.theta + s.sigma * eps,
                              state.theta - s.sigma * eps]).astype(np.float32)
    n_workers = getattr(executor, "n_workers", 1)
    if executor is None or n_workers <= 1:
        _, ll = cp.episode_scores(net, genomes, images, generation_episodes(s, data, splits, g))
        fitness = ll.mean(axis=1)
    else:
        settings = asdict(s)
        chunks = np.array_split(genomes, min(n_workers, len(genomes)))
        fitness = np.concatenate(executor.map(fitness_chunk, [(settings, g, c) for c in chunks]))
    fitness = np.where(np.isfinite(fitness), fitness, -np.inf)
    r = centred_ranks(fitness)
    grad = np.einsum("p,pl->l", r[:half] - r[half:], eps) / (half * s.sigma)
    b1, b2, t = 0.9, 0.999, g + 1
    state.m = b1 * state.m + (1 - b1) * grad
    state.v = b2 * state.v + (1 - b2) * grad * grad
    state.theta = state.theta + s.lr * (state.m / (1 - b1 ** t)) / (
        np.sqrt(state.v / (1 - b2 ** t)) + 1e-8)
    state.train_fitness.append(float(np.mean(fitness[np.isfinite(fitness)]))
                               if np.isfinite(fitness).any() else float("nan"))
    state.generation = g + 1


def validate(s: FewshotSettings, net, images, val_eps, state: State) -> float:
    acc, _ = cp.episode_scores(net, state.theta.astype(np.float32)[None], images, val_eps)
    a = float(acc.mean())
    state.val_generation.append(state.generation)
    state.val_accuracy.append(a)
    if a > state.best_accuracy:
        state.best_accuracy, state.best_generation = a, state.generation
        state.best_theta = state.theta.copy()
    return a


def meta_train(s: FewshotSettings, state: State | None = None, stop=lambda: False,
               checkpoint=None, progress=None, checkpoint_seconds: float = 10.0,
               executor=None) -> State:
    """Run generations up to s.n_generations from `state` (None: the start).

    stop() is asked between generations; checkpoint(state) is called every
    checkpoint_seconds, at validation checks (generation 0 and every validate_every) and at
    the end; progress(state, val) after each generation (val: the accuracy just
    validated, else None). executor (evolution/executors.py: a process pool or Dask) carries
    each generation's fitness in chunks, one per worker; the run is the same bit for bit.
    """
    check_memory(s)
    data = load_data(s)
    check_memory(s, len(data.x))
    splits = cd.split_classes(data)
    images = images_of(data)
    net = s.net()
    val_eps = validation_episodes(s, data, splits)
    state = state or State.start(s)
    if state.generation == 0 and not state.val_generation:
        validate(s, net, images, val_eps, state)
    last = time.monotonic()
    while state.generation < s.n_generations and not stop():
        t0 = time.monotonic()
        step(s, net, images, data, splits, state, executor)
        val = None
        if state.generation % s.validate_every == 0:
            # Only at multiples: a run extended by resume checks the same generations as
            # one that ran straight through, so both choose the same genome.
            val = validate(s, net, images, val_eps, state)
        state.seconds += time.monotonic() - t0
        if progress is not None:
            progress(state, val)
        if checkpoint is not None and (val is not None or
                                       time.monotonic() - last > checkpoint_seconds):
            checkpoint(state)
            last = time.monotonic()
    if checkpoint is not None:
        checkpoint(state)
    return state
