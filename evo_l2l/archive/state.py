"""/state: the run-wide scalars, the fitness cache and the two slots that take turns
holding the resume state; created, written and read back as one dict."""
from __future__ import annotations

import time

import numpy as np

from ..errors import ArchiveError
from .h5file import _read
from .schema import STATUS_RUNNING, _dataset


def _stored_genomes(values, text: bool):
    """Genomes as the datasets take them: tree texts become object arrays of str."""
    if not text:
        return np.asarray(values)
    arr = np.asarray(values, dtype=object)
    if arr.ndim == 0:
        return str(arr.item())
    flat = np.empty(arr.size, dtype=object)
    flat[:] = [str(x) for x in arr.ravel()]
    return flat.reshape(arr.shape)


SLOT_SCALARS = ("hof_fitness", "hof_heldout_fitness", "hof_generation", "py_random_gauss",
                "elapsed", "cache_rows")


def _create_state(f, N: int, gshape: tuple, gdt, optimizer_state: dict, n_target: int) -> None:
    """/state: run-wide scalars, the fitness cache, and two slots that take turns holding
    the resume state. `current` = (generation, slot) is written last, in one write, so a
    kill at any moment leaves it naming a complete slot (or generation -1: none yet)."""
    s = f.create_group("state")
    s.create_dataset("status", data=np.bytes_(STATUS_RUNNING), dtype="S16")
    s.create_dataset("writer", data=np.bytes_(""), dtype="S128")
    s.create_dataset("heartbeat", data=time.time())
    s.create_dataset("n_generations_target", data=np.int64(n_target))
    s.create_dataset("current", data=np.array([-1, 0], dtype=np.int64))
    # Fitness cache entries, for problems whose cache must survive a resume.
    _dataset(s, "cache_keys", shape=(0,), maxshape=(None,), dtype="u8", chunks=(4096,))
    _dataset(s, "cache_fitness", shape=(0,), maxshape=(None,), dtype="f8", chunks=(4096,))
    for k in (0, 1):
        slot = s.create_group(f"slot{k}")
        slot.create_dataset("population_genome", shape=(N,) + gshape, dtype=gdt)
        slot.create_dataset("population_fitness", shape=(N,), dtype="f8")
        slot.create_dataset("hof_genome", shape=gshape, dtype=gdt)
        slot.create_dataset("py_random_state", shape=(625,), dtype="i8")
        for name in SLOT_SCALARS:
            slot.create_dataset(name, data=np.int64(-1) if name in ("hof_generation", "cache_rows")
                                else np.nan)
        opt = slot.create_group("optimizer")
        for name, arr in optimizer_state.items():
            opt.create_dataset(name, shape=np.shape(arr), dtype="f8")


def _write_slot(slot, genomes, population_genome, population_fitness, hof_genome, values: dict,
                py_words, optimizer_state: dict) -> None:
    """One slot's resume state; `genomes` converts genomes to what the datasets take."""
    slot["population_genome"][...] = genomes(population_genome)
    slot["population_fitness"][...] = population_fitness
    slot["hof_genome"][()] = genomes(hof_genome)
    slot["py_random_state"][...] = py_words
    for name in SLOT_SCALARS:
        slot[name][()] = values[name]
    for name, arr in optimizer_state.items():
        slot["optimizer"][name][...] = arr


def _read_state(st, config, path: str) -> dict:
    """/state as one dict: the run-wide entries and the current slot's (format 2.0), or the
    flat layout of format 1.0; `generation` is the last complete generation (-1: none)."""
    import h5py
    state = {k: _read(ds, path=path) for k, ds in st.items() if isinstance(ds, h5py.Dataset)}
    if "current" in state:
        generation, slot = (int(x) for x in state.pop("current"))
        if slot not in (0, 1) or generation < -1:
            raise ArchiveError(f"{path}: corrupt /state/current ({generation}, {slot})")
        group = st[f"slot{slot}"]
        state.update({k: _read(ds, path=path) for k, ds in group.items()
                      if isinstance(ds, h5py.Dataset)})
        state["optimizer"] = {k: _read(ds, path=path) for k, ds in group["optimizer"].items()}
        state["generation"], state["slot"] = generation, slot
        # Cache entries appended after the state was written belong to a generation
        # that was never completed: a resume must not see them.
        rows = max(int(state.pop("cache_rows")), 0)
        state["cache_keys"], state["cache_fitness"] = (state["cache_keys"][:rows],
                                                       state["cache_fitness"][:rows])
    else:       # format 1.0: one vector in the optimizer's own layout
        vec = np.asarray(state.pop("optimizer_state", np.zeros(0)), dtype=np.float64)
        state["optimizer"] = config.component("optimizer").legacy_state(
            vec, config.genome(), config.run.population)
    return state
