"""Rule families: genome <-> rule <-> formula, and known rules. One module each, registered here."""
from ..components import Registry
from . import (bengio, bengio_automl, bengio_init, bengio_layers, chalmers, conditioning, metaplastic,
               operators, programs, srwm, symbolic, volterra)
from .family import ParametricSettings, RuleFamily

RULE_FAMILIES = Registry("rule family")
for _module in (chalmers, volterra, bengio, bengio_layers, conditioning, symbolic, operators, srwm,
                metaplastic, bengio_automl, programs, bengio_init):
    RULE_FAMILIES.add(_module.FAMILY)

__all__ = ["bengio", "bengio_layers", "chalmers", "conditioning", "metaplastic", "srwm", "symbolic",
           "volterra", "RULE_FAMILIES", "ParametricSettings", "RuleFamily"]
