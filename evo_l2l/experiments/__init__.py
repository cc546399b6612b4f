"""Presets: one module per classic experiment, with its paper's numbers.

Each preset (experiments/preset.py) has NAME, PAPER, SUMMARY, default_config(**overrides)
and PAPER_NUMBERS; tests parametrize over PRESETS so each runs at toy size.
"""
from ..errors import ConfigError
from . import (automl_bengio1991, automl_zero, bengio1991, chalmers1990, chalmers1990_gp,
               chalmers1990_real, confavreux2020,
               digits_gp, digits_l2l, jordan2021, modern, schmidhuber1987, self_adaptation,
               self_reference)
from .preset import Preset

PRESETS = {p.NAME: p for p in (chalmers1990.PRESET, chalmers1990_real.PRESET,
                                chalmers1990_gp.PRESET, jordan2021.error, jordan2021.reward,
                                confavreux2020.PRESET, bengio1991.boolean,
                                bengio1991.conditioning, bengio1991.boolean_gp,
                                bengio1991.conditioning_gp, digits_l2l.fewshot,
                                digits_l2l.continual, digits_l2l.continual_split,
                                digits_l2l.continual_mnist1d,
                                digits_l2l.continual_split_mnist1d, digits_l2l.fewshot_init,
                                digits_l2l.fewshot_init_5shot, digits_l2l.fewshot_init_conv,
                                digits_l2l.fewshot_init_conv_5shot,
                                schmidhuber1987.PRESET, self_adaptation.SELFADAPTIVE,
                                self_adaptation.FME, self_reference.srwm_fewshot,
                                self_reference.metaplastic_continual,
                                automl_bengio1991.PRESET, automl_zero.linear,
                                automl_zero.linear_full, automl_zero.linear_demo,
                                automl_zero.digits, *modern.PRESETS,
                                *digits_gp.PRESETS)}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown experiment {name!r}; known: {', '.join(PRESETS)}") from None
