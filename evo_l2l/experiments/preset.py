"""Preset: a classic experiment's config (in sections), its paper and the paper's numbers."""
from __future__ import annotations

import copy
from dataclasses import dataclass, field

# The config (and through it every component) is imported when a config is made, not
# here: listing presets (`evo-l2l experiments`) must stay instant.


@dataclass
class Preset:
    """NAME, PAPER and SUMMARY describe it; `config` holds its sections (only what differs
    from the components' defaults); `alternatives[section][name]` the settings to use when a
    user switches that section to another component (e.g. the GA settings of a CMA-ES preset);
    PAPER_NUMBERS what the paper reports, with source marks (shared/REFERENCES.md)."""

    NAME: str
    PAPER: str
    SUMMARY: str
    config: dict
    alternatives: dict = field(default_factory=dict)
    PAPER_NUMBERS: dict = field(default_factory=dict)
    doc: str = ""
    # Overrides (`section.key`: value) that make the preset cheap enough for the test suite,
    # which runs every preset dozens of times: only where its own task set costs seconds per
    # generation (a meta preset's runs below must shrink too). Empty for the classic presets.
    toy: dict = field(default_factory=dict)

    def sections(self) -> dict:
        data = copy.deepcopy(self.config)
        data.setdefault("run", {})["preset"] = self.NAME
        return data

    def default_config(self, **overrides):
        """The preset's RunConfig with overrides (`section.key`, `section` or a bare `key`)."""
        from ..config import REGISTRIES, RunConfig
        data = self.sections()
        for section in REGISTRIES:
            name = overrides.get(section, overrides.get(f"{section}.name"))
            if name is not None and name != data.get(section, {}).get("name"):
                # a name that is not text (a fuzzed list or table) finds no alternative; the
                # registry then refuses it in one line
                known = (self.alternatives.get(section, {}).get(name, {})
                         if isinstance(name, str) else {})
                data[section] = {"name": name, **copy.deepcopy(known)}
        for key in ("preset", "run.preset"):
            # the label is the preset's own; another would be dropped without a word
            if key in overrides and overrides[key] != self.NAME:
                from ..errors import ConfigError
                raise ConfigError(f"{key} is the name of the preset the config starts from, "
                                  f"{self.NAME!r}; to start from {overrides[key]!r}, run that "
                                  f"preset")
        overrides = {k: v for k, v in overrides.items() if k not in ("preset", "run.preset")}
        return fill_level_below(RunConfig.from_dict(data, validate=False).with_overrides(overrides))

    def variant(self, name: str, summary: str, changes: dict, doc: str = "",
                alternatives: dict | None = None) -> "Preset":
        """Another preset: this one's sections with whole sections replaced by `changes`."""
        data = copy.deepcopy(self.config)
        for section, values in changes.items():
            data[section] = values if section != "run" else {**data.get("run", {}), **values}
        return Preset(name, self.PAPER, summary, data,
                      alternatives if alternatives is not None else self.alternatives,
                      self.PAPER_NUMBERS, doc or self.doc, dict(self.toy))


def fill_level_below(config):
    """A meta level's config with learner.below filled in from learner.level_below (a
    preset name), unless it holds that preset's config already (edited or not). The whole
    level below travels in the config, so an archive needs no preset to run or resume."""
    if not hasattr(config.learner.settings, "level_below"):      # not a meta level
        return config
    s = config.learner.settings
    if s.below.get("run", {}).get("preset") == s.level_below:
        return config
    from . import PRESETS
    from ..errors import ConfigError
    if s.level_below not in PRESETS:
        raise ConfigError(f"learner.level_below: unknown experiment {s.level_below!r}; "
                          f"known: {', '.join(PRESETS)}")
    s.below = PRESETS[s.level_below].default_config().to_dict()
    return config
