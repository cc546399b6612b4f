"""Reading a run archive into memory (open_run), and a run's resume record."""
from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from ..errors import ArchiveError
from .h5file import _open_h5, _read, _read_fixed
from .record import GenerationRecord, _py_state_tuple
from .schema import CONFIG_DIGEST_ATTR, FORMAT, FORMAT_VERSION, _MAJOR, _first_line, _sha256, _text
from .state import _read_state


@dataclass
class Run:
    """An archive read into memory: plain numpy arrays and dicts."""

    path: str
    attrs: dict
    config: object            # RunConfig
    tasks: object             # TaskSet
    generations: dict         # column name -> array, rows 0..n_generations_done-1
    state: dict               # resume state of the last complete generation
    status: str               # running, complete or interrupted
    heartbeat: float
    damage: str | None = None     # what in /state is corrupt (verify reports it)
    refusal: str | None = None    # why a resume cannot continue exactly (None: it can)
    torn: tuple = ()              # datasets whose last chunk a killed flush left torn

    @property
    def n_generations_done(self) -> int:
        return int(self.state["generation"]) + 1

    def resume_record(self) -> GenerationRecord:
        """The last complete generation, as the loop continues from it."""
        s, g = self.state, self.generations
        gen = int(s["generation"])
        if self.refusal:
            raise ArchiveError(f"{self.path}: {self.refusal}")
        if gen < 0:
            raise ArchiveError(f"{self.path}: holds no complete generation to resume from")
        genomes = s["population_genome"]
        same = (np.array_equal(np.asarray(genomes), np.asarray(g["population_genome"][gen]))
                and np.array_equal(s["population_fitness"], g["population_fitness"][gen]))
        if not same:
            raise ArchiveError(f"{self.path}: resume state does not match generation {gen} "
                               "of the table; the archive is damaged")
        best = int(np.argmax(s["population_fitness"]))
        fields = [k[len("population_"):] for k in g
                  if k.startswith("population_") and k not in ("population_genome", "population_fitness")]
        return GenerationRecord(
            gen, genomes, {k: g[f"population_{k}"][gen] for k in fields}, s["population_fitness"],
            int(g["n_evaluations"][gen]), best, float(g["best_heldout_fitness"][gen]),
            np.asarray(s["hof_genome"]), {k: g[f"best_so_far_{k}"][gen] for k in fields},
            float(s["hof_fitness"]), float(s["hof_heldout_fitness"]),
            int(s["hof_generation"]), float(s["elapsed"]),
            _py_state_tuple(s["py_random_state"], float(s["py_random_gauss"])),
            dict(s["optimizer"]))


def open_run(path: str, populations: bool = True) -> Run:
    """Reads a run archive; every failure is an ArchiveError with one line.

    populations=False skips the (G, N, ...) population arrays for quick looks.
    """
    from ..config import ConfigError, RunConfig
    from .legacy import sections_from_1_0
    from ..tasks import TaskSet
    f = _open_h5(path)
    try:
        with f:
            fmt = _text(f.attrs.get("format", ""))
            if fmt != FORMAT:
                raise ArchiveError(f"{path}: not an evo_l2l run archive (format {fmt!r})")
            version = _text(f.attrs.get("format_version", ""))
            try:
                major = int(version.split(".")[0])
            except ValueError:
                raise ArchiveError(f"{path}: unreadable format version {version!r}") from None
            if major > _MAJOR:
                raise ArchiveError(f"{path}: format version {version} is newer than this "
                                   f"evo_l2l reads ({FORMAT_VERSION}); upgrade evo_l2l")
            attrs = {k: (_text(v) if isinstance(v, (bytes, str)) else v.item() if hasattr(v, "item") else v)
                     for k, v in f.attrs.items()}
            want = attrs.get(CONFIG_DIGEST_ATTR)
            if want is not None and _sha256(attrs.get("config", "")) != want:
                raise ArchiveError(f"{path}: corrupt config attribute "
                                   "(it does not match the stored sha256)")
            try:
                data = json.loads(attrs["config"])
                config = RunConfig.from_dict(sections_from_1_0(data) if major < 2 else data)
            except ConfigError as exc:
                if str(exc).startswith("unknown "):     # e.g. a learner a plug-in registered
                    raise ArchiveError(f"{path}: made with a component this evo_l2l does not "
                                       f"have ({_first_line(exc)})") from None
                raise ArchiveError(f"{path}: damaged config ({_first_line(exc)})") from None
            except (KeyError, ValueError, TypeError) as exc:
                raise ArchiveError(f"{path}: damaged config ({_first_line(exc)})") from None
            g = f["generations"]
            table_rows = min(ds.shape[0] for ds in g.values())
            torn: list = []
            state, damage, refusal = _read_state(f["state"], config, path, table_rows, torn)
            status = _text(state.pop("status"))
            heartbeat = float(state["heartbeat"])
            n = int(state["generation"]) + 1
            target = config.run.n_generations
            if major >= 2 and int(state["n_generations_target"]) != target:
                # The config (under its digest) says what the run aims for; this copies it.
                what = (f"corrupt /state/n_generations_target ({int(state['n_generations_target'])}"
                        f", but the config says {target})")
                damage = what if damage is None else f"{damage}; {what}"
                state["n_generations_target"] = np.int64(target)
            gens = {}
            for name, ds in g.items():
                if not populations and name.startswith("population_"):
                    continue
                if ds.shape[0] < n:
                    raise ArchiveError(f"{path}: corrupt /state/current (generation {n - 1}, "
                                       f"but /generations/{name} holds {ds.shape[0]} rows)")
                gens[name] = _read(ds, n, path, torn=torn)
            if n and "hof_fitness" not in state:
                # No slot reads: what the table copies of the state, for reading the run.
                for a, b in (("hof_fitness", "best_so_far_fitness"),
                             ("hof_heldout_fitness", "best_so_far_heldout_fitness"),
                             ("hof_generation", "best_so_far_generation"),
                             ("hof_genome", "best_so_far_genome"), ("elapsed", "wall_time"),
                             ("population_genome", "population_genome"),
                             ("population_fitness", "population_fitness")):
                    if b in gens:
                        state[a] = gens[b][n - 1]
            t = f["tasks"]
            arrays = {k: _read_fixed(ds, path) for k, ds in t.items()}
            tasks = TaskSet(*(arrays[k] for k in ("X", "Y", "W0", "n_patterns", "n_inputs",
                                                  "n_outputs", "split")),
                            family=_text(t.attrs.get("family", "")),
                            params=json.loads(_text(t.attrs.get("params", "{}"))),
                            direction=arrays.get("direction"), W0_hidden=arrays.get("W0_hidden"),
                            segment_end=arrays.get("segment_end"),
                            group_end=arrays.get("group_end"),
                            group_mask=arrays.get("group_mask"),
                            net_spec=arrays.get("net_spec"))
    except ArchiveError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError, AttributeError) as exc:
        raise ArchiveError(f"{path}: damaged archive ({_first_line(exc)})") from None
    return Run(path, attrs, config, tasks, gens, state, status, heartbeat, damage, refusal,
               tuple(sorted(set(torn))))
