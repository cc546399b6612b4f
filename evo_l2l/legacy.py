"""Reading archives of format 1.0, whose config was one flat record of ~50 fields.

`sections_from_1_0` maps such a record to the sectioned config of format 2.
Fields the chosen components never read (the GA's settings in a CMA-ES run,
`eta` for Chalmers rules) are dropped: in 1.0 they did nothing either.
"""
from __future__ import annotations

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
