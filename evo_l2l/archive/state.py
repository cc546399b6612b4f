"""/state: the run-wide scalars, the fitness cache and the two slots that take turns
holding the resume state; created, written and read back as one dict."""
from __future__ import annotations

import time

import numpy as np

from ..errors import ArchiveError
from .h5file import _read
from .schema import STATUS_RUNNING, _dataset, _slot_digest, _text


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
# Written after a slot's data (format 2.1): the generation it holds and the sha256 of
# everything in it (schema._slot_digest); "" and -1 in a slot never written.
SLOT_SEAL = ("generation", "checksum")


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
        slot.create_dataset("generation", data=np.int64(-1))
        slot.create_dataset("checksum", data=np.bytes_(""), dtype="S64")
        opt = slot.create_group("optimizer")
        for name, arr in optimizer_state.items():
            opt.create_dataset(name, shape=np.shape(arr), dtype="f8")


def _write_slot(slot, genomes, population_genome, population_fitness, hof_genome, values: dict,
                py_words, optimizer_state: dict, generation: int | None = None) -> None:
    """One slot's resume state; `genomes` converts genomes to what the datasets take.
    With `generation`, the slot is sealed (_seal_slot) as holding it."""
    slot["population_genome"][...] = genomes(population_genome)
    slot["population_fitness"][...] = population_fitness
    slot["hof_genome"][()] = genomes(hof_genome)
    slot["py_random_state"][...] = py_words
    for name in SLOT_SCALARS:
        slot[name][()] = values[name]
    for name, arr in optimizer_state.items():
        slot["optimizer"][name][...] = arr
    if generation is not None:
        _seal_slot(slot, generation)


def _seal_slot(slot, generation: int) -> None:
    """Writes the slot's generation and the sha256 of its data as they read back."""
    slot["generation"][()] = np.int64(generation)
    slot["checksum"][()] = np.bytes_(_slot_digest(generation, _slot_values(slot, "")))


def _put_slot(slot, values: dict, generation: int) -> None:
    """Writes values as _slot_values reads them into a slot, and seals it."""
    for name, value in values.items():
        ds = (slot["optimizer"][name[len("optimizer/"):]] if name.startswith("optimizer/")
              else slot[name])
        if ds.ndim:
            ds[...] = value
        else:
            ds[()] = value
    _seal_slot(slot, generation)


def _copy_state(src_st, dst, run, path: str) -> None:
    """/state of the fresh copy a resume continues (format 2.x source): the run-wide
    entries, the cache up to the state's rows, the state in use in its slot, and the
    other slot where it is intact and older (so a changed byte in the first can still
    be stepped over); both sealed. Written from what was read and checked, never
    copied as bytes (a full disk can leave what HDF5 refuses to copy)."""
    st = run.state
    genome = src_st["slot0"]["population_genome"]
    _create_state(dst, genome.shape[0], genome.shape[1:], genome.dtype, st["optimizer"],
                  int(st["n_generations_target"]))
    new = dst["state"]
    new["status"][()] = np.bytes_(run.status)
    new["writer"][()] = np.bytes_(st["writer"])
    new["heartbeat"][()] = st["heartbeat"]
    for name in ("cache_keys", "cache_fitness"):
        new[name].resize((len(st[name]),))
        new[name][...] = st[name]
    generation, k = int(st["generation"]), int(st["slot"])
    if generation < 0:              # nothing saved yet: both slots stay blank
        return
    values = {name: st[name] for name in ("population_genome", "population_fitness",
                                          "hof_genome", "py_random_state", *SLOT_SCALARS)
              if name != "cache_rows"}
    values["cache_rows"] = np.int64(len(st["cache_keys"]))
    values.update({f"optimizer/{name}": arr for name, arr in st["optimizer"].items()})
    _put_slot(new[f"slot{k}"], values, generation)
    try:
        older, values = _intact_slot(src_st[f"slot{1 - k}"], path)
    except ArchiveError:
        older = generation
    if 0 <= older < generation:
        _put_slot(new[f"slot{1 - k}"], values, older)
    new["current"][...] = np.array([generation, k], dtype=np.int64)


def _slot_values(slot, path: str) -> dict:
    """A slot's datasets (the optimizer's as `optimizer/NAME`), without its seal."""
    import h5py
    values = {k: _read(ds, path=path) for k, ds in slot.items()
              if isinstance(ds, h5py.Dataset) and k not in SLOT_SEAL}
    values.update({f"optimizer/{k}": _read(ds, path=path)
                   for k, ds in slot["optimizer"].items()})
    return values


# The slot's datasets that copy a column of /generations at the slot's generation.
TABLE_COPIES = [("hof_fitness", "best_so_far_fitness"),
                ("hof_heldout_fitness", "best_so_far_heldout_fitness"),
                ("hof_generation", "best_so_far_generation"),
                ("hof_genome", "best_so_far_genome"), ("elapsed", "wall_time"),
                ("population_genome", "population_genome"),
                ("population_fitness", "population_fitness")]


def _intact_slot(slot, path: str, generation: int | None = None) -> tuple[int, dict]:
    """(generation, values) of a sealed slot whose data match its sha256; an ArchiveError
    saying why not otherwise (never written, unreadable, changed: naming the first
    dataset that differs from the table row it copies, at `generation` if given)."""
    name = slot.name
    if "checksum" not in slot:
        raise ArchiveError(f"{path}: {name} has no checksum (format 2.0)")
    want = _text(_read(slot["checksum"], path=path))
    stored = int(_read(slot["generation"], path=path))
    if not want:
        raise ArchiveError(f"{path}: {name} holds no state yet")
    values = _slot_values(slot, path)
    if _slot_digest(stored, values) == want:
        return stored, values
    table = slot.file["generations"]
    row = stored if generation is None else generation
    for a, b in TABLE_COPIES:
        try:
            x, y = np.asarray(values[a]), np.asarray(_read(table[b], row + 1, path, row)[0])
        except (ArchiveError, KeyError, IndexError, ValueError):
            continue
        if not np.array_equal(x, y, equal_nan=x.dtype.kind == "f"):
            raise ArchiveError(f"{path}: corrupt {name}/{a} (differs from /generations/{b} "
                               f"at generation {row}; the slot's data do not match its sha256)")
    raise ArchiveError(f"{path}: corrupt {name} (its data do not match its sha256)")


def _as_state(values: dict) -> dict:
    state = {k: v for k, v in values.items() if not k.startswith("optimizer/")}
    state["optimizer"] = {k[len("optimizer/"):]: v for k, v in values.items()
                          if k.startswith("optimizer/")}
    return state


def _cache(st, rows: int, path: str, torn: list | None = None) -> tuple:
    """The first `rows` cache entries: the later ones belong to a generation never completed."""
    rows = max(int(rows), 0)
    return (_read(st["cache_keys"], rows, path, torn=torn),
            _read(st["cache_fitness"], rows, path, torn=torn))


def _read_state(st, config, path: str, table_rows: int,
                torn: list | None = None) -> tuple[dict, str | None, str | None]:
    """(state, damage, refusal): /state as one dict, the run-wide entries and the resume
    state's (format 2.x), or the flat layout of format 1.0; `generation` is the last
    complete generation (-1: none). `damage` says what in /state is corrupt (verify's
    finding), `refusal` why a resume cannot continue exactly (None: it can).

    The slot `current` names is used if it is intact and holds that generation (format
    2.0 slots, without a checksum, are taken as they are). Otherwise the intact slot of
    the latest generation the table holds is: a slot is sealed only once its rows are
    written, and a run resumed from an earlier generation repeats the later ones
    exactly, so the result is the same. With no intact slot the state is read as far
    as it goes, for reading the run, and `refusal` says why it cannot be resumed.
    `torn` collects the cache datasets read past a torn chunk (h5file._read).
    """
    import h5py
    state = {k: _read(ds, path=path) for k, ds in st.items()
             if isinstance(ds, h5py.Dataset) and k not in ("cache_keys", "cache_fitness")}
    if "current" not in state:      # format 1.0: one vector in the optimizer's own layout
        state["cache_keys"], state["cache_fitness"] = (_read(st["cache_keys"], path=path),
                                                       _read(st["cache_fitness"], path=path))
        vec = np.asarray(state.pop("optimizer_state", np.zeros(0)), dtype=np.float64)
        state["optimizer"] = config.component("optimizer").legacy_state(
            vec, config.genome(), config.run.population)
        return state, None, None
    generation, slot = (int(x) for x in state.pop("current"))
    plausible = slot in (0, 1) and -1 <= generation < table_rows
    sealed = "checksum" in st["slot0"]
    damage = None if plausible else f"corrupt /state/current ({generation}, {slot})"
    candidates = []           # (generation, slot, values, cache)
    for k in ([slot, 1 - slot] if slot in (0, 1) else [0, 1]):
        group = st[f"slot{k}"]
        try:
            if sealed:
                g, values = _intact_slot(group, path, generation if k == slot else None)
            elif k == slot and plausible:
                g, values = generation, _slot_values(group, path)
            else:
                continue
            if g >= table_rows:
                raise ArchiveError(f"{path}: corrupt {group.name} (generation {g}, but the "
                                   f"table holds {table_rows} rows)")
            cache = _cache(st, values["cache_rows"], path, torn)
        except ArchiveError as exc:
            if k == slot and plausible and damage is None and (
                    generation >= 0 or "holds no state" not in str(exc)):
                damage = str(exc)[len(path) + 2:]
            continue
        if k == slot and plausible and g == generation:
            candidates = [(g, k, values, cache)]
            break
        if k == slot and plausible and damage is None:
            damage = (f"corrupt /state/current (generation {generation}, but slot{k} holds "
                      f"generation {g})")
        candidates.append((g, k, values, cache))
    if candidates:
        g, k, values, cache = max(candidates, key=lambda c: c[0])
        if damage is not None:
            damage += f"; resume continues exactly from generation {g} (slot{k})"
        refusal = None
    elif plausible and generation == -1 and damage is None:     # nothing saved yet
        g, k, values, cache = -1, slot, _slot_values(st[f"slot{slot}"], path), ([], [])
        refusal = None
    elif plausible:
        # No state to resume from: what the current slot still reads, for reading the run.
        g, k, cache = generation, slot, (np.zeros(0, np.uint64), np.zeros(0))
        try:
            values = _slot_values(st[f"slot{slot}"], path)
        except ArchiveError:
            values = {}
        refusal = (f"cannot resume exactly: {damage}, and no other slot holds an intact "
                   "earlier state; its complete generations still read (info, best, plot), "
                   "and `evo-l2l run` with its config repeats the run")
    else:
        raise ArchiveError(f"{path}: {damage}")
    state.update(_as_state(values))
    state.pop("cache_rows", None)
    state["cache_keys"], state["cache_fitness"] = (np.asarray(cache[0], dtype=np.uint64),
                                                   np.asarray(cache[1], dtype=np.float64))
    state["generation"], state["slot"] = g, k
    return state, damage, refusal
