"""Rule families: genome <-> rule <-> formula, and known rules. One module each, registered
here by name and imported when a run first asks for it."""
from ..components import Registry
from . import chalmers, symbolic
from .family import ParametricSettings, RuleFamily

RULE_FAMILIES = Registry("rule family")
for _name, _module in (("chalmers", "chalmers"), ("volterra", "volterra"), ("bengio", "bengio"),
                       ("bengio_layers", "bengio_layers"), ("conditioning", "conditioning"),
                       ("symbolic", "symbolic"), ("operators", "operators"), ("srwm", "srwm"),
                       ("metaplastic", "metaplastic"), ("bengio_automl", "bengio_automl"),
                       ("automl_zero", "programs"), ("bengio_init", "bengio_init")):
    RULE_FAMILIES.add_lazy(_name, f"{__name__}.{_module}:FAMILY")

__all__ = ["bengio", "bengio_layers", "chalmers", "conditioning", "metaplastic", "srwm", "symbolic",
           "volterra", "RULE_FAMILIES", "ParametricSettings", "RuleFamily"]
