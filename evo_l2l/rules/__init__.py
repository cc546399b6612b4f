"""Rule families: genome <-> kernel coefficients <-> formula, and known rules."""
from . import bengio, chalmers, conditioning, volterra

RULE_FAMILIES = {"chalmers": chalmers, "volterra": volterra, "bengio": bengio,
                 "conditioning": conditioning}

__all__ = ["bengio", "chalmers", "conditioning", "volterra", "RULE_FAMILIES"]
