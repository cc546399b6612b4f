"""Rule families: genome <-> rule <-> formula, and known rules. One module each, registered
here by name and imported when a run first asks for it."""
from ..components import Registry
from . import chalmers, symbolic
from .family import ParametricForm, ParametricSettings, RuleFamily

RULE_FAMILIES = Registry("rule family")
for _name in ("chalmers", "volterra", "bengio", "bengio_layers", "conditioning", "symbolic",
              "operators", "srwm", "metaplastic", "bengio_automl", "automl_zero", "bengio_init", "update_program", "learned_optimizer"):
    # each in the module of its name, but for AutoML-Zero's programs and the optimizers
    _module = {"automl_zero": "programs", "update_program": "update_programs",
               "learned_optimizer": "learned_optimizers"}.get(_name, _name)
    RULE_FAMILIES.add_lazy(_name, f"{__name__}.{_module}:FAMILY")

__all__ = ["bengio", "bengio_layers", "chalmers", "conditioning", "metaplastic", "srwm", "symbolic",
           "volterra", "RULE_FAMILIES", "ParametricForm", "ParametricSettings", "RuleFamily"]
