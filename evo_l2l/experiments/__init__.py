"""Presets: one module per classic experiment, with its paper's numbers.

Each module has NAME, PAPER, SUMMARY, default_config(**overrides) and
PAPER_NUMBERS; tests parametrize over PRESETS so each runs at toy size.
"""
from . import (bengio1991, chalmers1990, chalmers1990_gp, chalmers1990_real, confavreux2020,
               jordan2021)
from ..config import ConfigError

PRESETS = {m.NAME: m for m in (chalmers1990, chalmers1990_real, chalmers1990_gp,
                                jordan2021.error, jordan2021.reward, confavreux2020, bengio1991,
                                bengio1991.conditioning, bengio1991.boolean_gp,
                                bengio1991.conditioning_gp)}


def get_preset(name: str):
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown experiment {name!r}; known: {', '.join(PRESETS)}") from None
