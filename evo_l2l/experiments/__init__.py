"""Presets: one module per classic experiment, with its paper's numbers.

Each preset (experiments/preset.py) has NAME, PAPER, SUMMARY, default_config(**overrides)
and PAPER_NUMBERS; tests parametrize over PRESETS so each runs at toy size.
"""
import importlib
from collections.abc import Mapping

from ..errors import ConfigError
from .preset import Preset

# name -> (module, attribute) of every preset, in the order `evo-l2l experiments` shows them; a
# preset's module is imported when the preset is first asked for (a run loads one).
# tests/test_registries.py checks this table against the modules.
_WHERE = {
    "chalmers1990": ("chalmers1990", "PRESET"),
    "chalmers1990-real": ("chalmers1990_real", "PRESET"),
    "chalmers1990-gp": ("chalmers1990_gp", "PRESET"),
    "jordan2021-error": ("jordan2021", "error"),
    "jordan2021-reward": ("jordan2021", "reward"),
    "confavreux2020-oja": ("confavreux2020", "PRESET"),
    "bengio1991-boolean": ("bengio1991", "boolean"),
    "bengio1991-conditioning": ("bengio1991", "conditioning"),
    "bengio1991-boolean-gp": ("bengio1991", "boolean_gp"),
    "bengio1991-conditioning-gp": ("bengio1991", "conditioning_gp"),
    "fewshot-digits": ("digits_l2l", "fewshot"),
    "continual-digits": ("digits_l2l", "continual"),
    "continual-split-digits": ("digits_l2l", "continual_split"),
    "continual-mnist1d": ("digits_l2l", "continual_mnist1d"),
    "continual-split-mnist1d": ("digits_l2l", "continual_split_mnist1d"),
    "fewshot-digits-init": ("digits_l2l", "fewshot_init"),
    "fewshot-digits-init-5shot": ("digits_l2l", "fewshot_init_5shot"),
    "fewshot-digits-init-conv": ("digits_l2l", "fewshot_init_conv"),
    "fewshot-digits-init-conv-5shot": ("digits_l2l", "fewshot_init_conv_5shot"),
    "fewshot-glyphs-rule": ("fewshot_glyphs", "fewshot_rule"),
    "schmidhuber1987-meta": ("schmidhuber1987", "PRESET"),
    "selfadaptive-oja": ("self_adaptation", "SELFADAPTIVE"),
    "fme-oja": ("self_adaptation", "FME"),
    "srwm-fewshot": ("self_reference", "srwm_fewshot"),
    "srwm-glyphs": ("fewshot_glyphs", "srwm_glyphs"),
    "metaplastic-continual": ("self_reference", "metaplastic_continual"),
    "automl-bengio1991": ("automl_bengio1991", "PRESET"),
    "automl-zero-linear": ("automl_zero", "linear"),
    "automl-zero-linear-full": ("automl_zero", "linear_full"),
    "automl-zero-linear-demo": ("automl_zero", "linear_demo"),
    "automl-zero-digits": ("automl_zero", "digits"),
    "chalmers1990-modern": ("modern", "chalmers"),
    "chalmers1990-gp-modern": ("modern", "gp_chalmers"),
    "confavreux2020-oja-modern": ("modern", "confavreux_oja"),
    "jordan2021-error-modern": ("modern", "error"),
    "jordan2021-reward-modern": ("modern", "reward"),
    "fewshot-digits-gp": ("digits_gp", "fewshot"),
    "continual-digits-gp": ("digits_gp", "continual"),
    "continual-split-digits-gp": ("digits_gp", "continual_split"),
    "continual-mnist1d-gp": ("digits_gp", "continual_mnist1d"),
    "continual-split-mnist1d-gp": ("digits_gp", "continual_split_mnist1d"),
    "continual-glyphs-gp": ("continual_glyphs", "continual_glyphs_gp"),
    "l2o-programs": ("learning_to_optimize", "programs"),
    "l2o-learned": ("learning_to_optimize", "learned"),
    "l2o-programs-regression": ("learning_to_optimize", "programs_regression"),
    "l2o-programs-scaled": ("learning_to_optimize", "programs_scaled"),
}


class _Presets(Mapping):
    """PRESETS: name -> Preset, each module imported on first use."""

    def __getitem__(self, name: str) -> Preset:
        module, attribute = _WHERE[name]
        return getattr(importlib.import_module(f"{__name__}.{module}"), attribute)

    def __iter__(self):
        return iter(_WHERE)

    def __len__(self) -> int:
        return len(_WHERE)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name in _WHERE


PRESETS = _Presets()

def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        from .fewshot_presets import FEWSHOT_PRESETS
        if name in FEWSHOT_PRESETS:
            raise ConfigError(f"{name} is a few-shot meta-training preset: evo-l2l fewshot run "
                              f"{name}") from None
        close = did_you_mean(name, [*PRESETS, *FEWSHOT_PRESETS])
        if close:
            raise ConfigError(f"unknown experiment {name!r}; did you mean {close}? "
                              "(`evo-l2l experiments` lists them all)") from None
        raise ConfigError(f"unknown experiment {name!r}; known: {', '.join(PRESETS)}") from None


def did_you_mean(name: str, names) -> str:
    """The known names closest to a mistyped one ('a or b'), or '' if none is close."""
    import difflib
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.75)
    return " or ".join(close) if len(close) < 3 else f"{close[0]}, {close[1]} or {close[2]}"
