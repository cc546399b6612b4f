"""Archives of format 1.0, whose config was one flat record of ~50 fields.

`sections_from_1_0` maps such a record to the sectioned config of format 2.
Fields the chosen components never read (the GA's settings in a CMA-ES run,
`eta` for Chalmers rules) are dropped: in 1.0 they did nothing either.
`_upgrade_1_0` rewrites a 1.0 file being resumed as format 2.0.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .schema import FORMAT_VERSION, _seal
from .state import SLOT_SCALARS, _create_state, _stored_genomes, _write_slot

if TYPE_CHECKING:
    from .reader import Run

# Parametric rule family -> the learner 1.0 ran it on.
_LEARNER_OF_FAMILY = {"chalmers": "single_layer", "volterra": "linear_neuron",
                      "bengio": "two_layer", "conditioning": "conditioning"}
_OPTIMIZER_FIELDS = {
    "ga": {"selection": "selection", "tournament_size": "tournament_size",
           "crossover": "crossover", "crossover_prob": "crossover_prob",
           "mutation_indpb": "mutation_indpb", "mutation_sigma": "mutation_sigma",
           "elitism": "elitism"},
    "cmaes": {"cma_sigma": "sigma"},
    "es": {"es_sigma": "sigma", "es_lr": "lr"},
    "sa": {"sa_step": "step", "sa_t0": "t0", "sa_t_end": "t_end", "sa_decay": "decay"},
    "gp": {"gp_variant": "variant", "gp_init_depth": "init_depth", "gp_max_height": "max_height",
           "gp_max_size": "max_size", "crossover_prob": "crossover_prob",
           "gp_mutation_prob": "mutation_prob", "tournament_size": "tournament_size",
           "parsimony_size": "parsimony_size", "gp_constant_steps": "constant_steps",
           "elitism": "elitism"},
}


def sections_from_1_0(flat: dict) -> dict:
    """A format-1.0 config record -> {run, optimizer, rule, learner, tasks} sections."""
    f = dict(flat)
    optimizer = f["optimizer"]
    out = {"run": {k: f[k] for k in ("preset", "seed", "n_generations", "population",
                                     "fitness_cache", "flush_interval")},
           "optimizer": {"name": optimizer, **{new: f[old] for old, new
                                               in _OPTIMIZER_FIELDS[optimizer].items()}}}
    learner = {k: f[k] for k in ("n_epochs", "clip", "fitness_measure")}
    if optimizer == "gp":
        out["rule"] = {"name": "symbolic", "unary": list(f.get("gp_unary", [])), "eta": f["eta"]}
        learner["name"] = f["learner"]
    else:
        family = f["rule_family"]
        out["rule"] = {"name": family, "terms": f.get("rule_terms"),
                       "l1_penalty": f.get("l1_penalty", 0.0)}
        if family == "chalmers":
            out["rule"]["genome"] = f["genome"]
        learner["name"] = _LEARNER_OF_FAMILY[family]
        if family == "volterra":
            learner["eta"] = f["eta"]
    out["learner"] = learner
    family, shapes = f["task_family"], f["task_shapes"]
    tasks = {"name": family, "n_heldout": f["n_heldout"], "seed": f.get("task_seed")}
    if family == "boolean_functions":
        tasks.update(n_inputs=shapes[0][2], n_hidden=f["n_hidden"], bias=f["bias"],
                     heldout_functions=f.get("heldout_functions"),
                     init_low=f["init_low"], init_high=f["init_high"])
    elif family == "conditioning":
        tasks.update(instances=shapes[0][0], init_low=f["init_low"], init_high=f["init_high"])
    elif family == "linearly_separable":
        tasks.update(shapes=shapes, bias=f["bias"], init_low=f["init_low"],
                     init_high=f["init_high"])
    else:
        tasks.update(shapes=shapes, init_low=f["init_low"], init_high=f["init_high"])
    out["tasks"] = tasks
    return out


def _upgrade_1_0(src, dst, run: Run) -> None:
    """A format-1.0 file being resumed becomes format 2.0: sectioned config, the resume
    state in a slot with named optimizer arrays, digests of its config and /tasks (its
    history stays without checksums)."""
    import h5py
    dst.attrs["format_version"] = FORMAT_VERSION
    dst.attrs["config"] = run.config.to_json()
    for section in ("optimizer", "rule", "learner", "tasks"):
        dst.attrs[section] = getattr(run.config, section).name
    if "rule_family" in dst.attrs:
        del dst.attrs["rule_family"]
    st, old = run.state, src["state"]
    genome = old["population_genome"]
    _create_state(dst, genome.shape[0], genome.shape[1:], genome.dtype, st["optimizer"],
                  int(st["n_generations_target"]))
    new = dst["state"]
    for name in ("status", "writer", "heartbeat"):
        new[name][()] = old[name][()]
    for name in ("cache_keys", "cache_fitness"):
        new[name].resize(old[name].shape)
        new[name][...] = old[name][()]
    text = h5py.check_string_dtype(genome.dtype) is not None
    _write_slot(new["slot0"], lambda values: _stored_genomes(values, text),
                st["population_genome"], st["population_fitness"], st["hof_genome"],
                {**{k: st[k] for k in SLOT_SCALARS if k != "cache_rows"},
                 "cache_rows": len(st["cache_keys"])}, st["py_random_state"], st["optimizer"])
    new["current"][...] = np.array([int(st["generation"]), 0], dtype=np.int64)
    _seal(dst)
