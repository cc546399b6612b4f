"""Run configuration in sections: [run], [optimizer], [rule], [learner], [tasks].

[run] holds what every run has (seed, generations, population, ...). Each
other section names a registered component (`name = "ga"`) and holds that
component's own settings, a typed dataclass with defaults and validation
(components.py). Which components go together is declared by the components
(the rule families a learner runs, the task tags it requires, the genome
kinds an optimizer searches) and checked here by generic code. Every error is
a ConfigError with one line that names the field.

Overrides (`--set`, config files, preset keyword arguments) are
`section.key=value`, `section=name` (choose another component, with its
defaults) or a bare `key=value` when [run] or exactly one chosen section has
that key.
"""
from __future__ import annotations

import copy
import dataclasses
import json
from dataclasses import dataclass

from .components import (MAX_NESTING, GenomeSpec, Settings, check_nesting, need, setting,
                         settings_from_dict, validate_settings)
from .errors import ConfigError
from .learners import LEARNERS
from .optimizers import OPTIMIZERS
from .rules import RULE_FAMILIES
from .tasks import TASK_FAMILIES

REGISTRIES = {"optimizer": OPTIMIZERS, "rule": RULE_FAMILIES, "learner": LEARNERS,
              "tasks": TASK_FAMILIES}
SECTIONS = ("run",) + tuple(REGISTRIES)


@dataclass
class RunSettings(Settings):
    preset: str = setting("custom", "the preset the config started from (a label)")
    toy: bool = setting(False, "a label: the run was started with `run --toy`, the preset's "
                               "toy overrides (a small task set, as the test suite runs it) "
                               "applied; they are in this config")
    seed: int = setting(0, "determines the run: tasks (unless tasks.seed), initial population, "
                           "every operator draw", low=0, high=2 ** 63 - 1)
    n_generations: int = setting(1000, "generations, counting the initial population as "
                                       "generation 0", low=1)
    population: int = setting(40, "individuals per generation", low=2)
    fitness_cache: bool = setting(True, "skip re-evaluating a rule already evaluated (exact: "
                                        "fitness is deterministic)")
    flush_interval: float = setting(1.0, "seconds between archive flushes (at most this much "
                                         "work is lost on a crash)", low=0, low_open=True,
                                    high=3600)


@dataclass
class Choice:
    """A chosen component and its settings."""

    name: str
    settings: Settings


def _choice(section: str, name: str, values: dict | None = None) -> Choice:
    component = REGISTRIES[section].get(name)
    return Choice(name, settings_from_dict(component.settings, values or {},
                                           f"{section} {name!r}"))


@dataclass
class RunConfig:
    run: RunSettings = dataclasses.field(default_factory=RunSettings)
    optimizer: Choice = dataclasses.field(default_factory=lambda: _choice("optimizer", "ga"))
    rule: Choice = dataclasses.field(default_factory=lambda: _choice("rule", "chalmers"))
    learner: Choice = dataclasses.field(default_factory=lambda: _choice("learner", "single_layer"))
    tasks: Choice = dataclasses.field(
        default_factory=lambda: _choice("tasks", "linearly_separable"))

    # -- components -------------------------------------------------------------
    def component(self, section: str):
        return REGISTRIES[section].get(getattr(self, section).name)

    def genome(self) -> GenomeSpec:
        """The genomes this config's rule family (on its learner) is searched as."""
        return self.component("rule").genome(self.rule.settings, self.component("learner"))

    # -- validation --------------------------------------------------------------
    def validate(self) -> "RunConfig":
        validate_settings(self.run, "run")
        for section in REGISTRIES:
            choice = getattr(self, section)
            component = self.component(section)
            need(isinstance(choice.settings, component.settings),
                 f"{section} {choice.name!r} got settings of another component")
            validate_settings(choice.settings, section)
        family, learner = self.component("rule"), self.component("learner")
        tasks, optimizer = self.component("tasks"), self.component("optimizer")
        try:
            family.check(self.rule.settings)
        except ConfigError as exc:
            raise ConfigError(f"rule: {exc}") from None
        if not learner.runs(family.name):
            able = [lr.name for lr in LEARNERS if lr.runs(family.name)]
            raise ConfigError(f"learner {learner.name!r} does not run rule family {family.name!r}"
                              f"; learners that do: {', '.join(able) or 'none'}")
        missing = sorted(learner.requires - tasks.provides)
        if missing:
            able = [t.name for t in TASK_FAMILIES if learner.requires <= t.provides]
            raise ConfigError(f"learner {learner.name!r} needs tasks with {', '.join(missing)}, "
                              f"which task family {tasks.name!r} lacks; task families it can "
                              f"learn: {', '.join(able) or 'none'}")
        check_pairing = getattr(learner, "check_pairing", None)
        if check_pairing is not None:          # a learner's own rules about its tasks' settings
            check_pairing(self.learner.settings, self.tasks.settings)
        genome = self.genome()
        if genome.kind not in optimizer.genomes:
            able = [o.name for o in OPTIMIZERS if genome.kind in o.genomes]
            raise ConfigError(f"optimizer {optimizer.name!r} does not search {genome.kind} "
                              f"genomes (rule family {family.name!r}); optimizers that do: "
                              f"{', '.join(able)}")
        optimizer.check(self.optimizer.settings, genome, self.run.population)
        return self

    # -- (de)serialisation ----------------------------------------------------------
    def to_dict(self) -> dict:
        out = {"run": dataclasses.asdict(self.run)}
        for section in REGISTRIES:
            choice = getattr(self, section)
            out[section] = {"name": choice.name, **dataclasses.asdict(choice.settings)}
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict, base: "RunConfig | None" = None,
                  validate: bool = True) -> "RunConfig":
        """Sections of `data` over `base` (or the defaults), validated (unless told not to:
        a preset's sections may pair only once its overrides are applied).

        A section that names another component starts from that component's
        defaults. Unknown sections and keys are errors listing the valid ones.
        """
        need(isinstance(data, dict), "a config must be a table of sections")
        unknown = sorted(set(data) - set(SECTIONS))
        if unknown:
            raise ConfigError(f"unknown config section(s) {', '.join(map(repr, unknown))}; "
                              f"sections: {', '.join(SECTIONS)}")
        config = copy.deepcopy(base) if base is not None else cls()
        if "run" in data:
            config.run = settings_from_dict(RunSettings, data["run"], "run", config.run)
        for section in REGISTRIES:
            if section not in data:
                continue
            values = data[section]
            need(isinstance(values, dict), f"section {section} must be a table of settings")
            values = dict(values)
            current = getattr(config, section)
            name = values.pop("name", current.name)
            if name == current.name:
                settings = settings_from_dict(type(current.settings), values,
                                              f"{section} {name!r}", current.settings)
                setattr(config, section, Choice(name, settings))
            else:
                setattr(config, section, _choice(section, name, values))
        return config.validate() if validate else config

    def with_overrides(self, overrides: dict) -> "RunConfig":
        """A copy with `section.key`, `section` (a component name) or bare `key` overrides."""
        return RunConfig.from_dict(self.sections_of(overrides), self)

    def sections_of(self, overrides: dict) -> dict:
        """Flat overrides -> {section: {key: value}}; component choices first, so bare keys
        resolve against the newly chosen components."""
        data: dict = {}
        for key, value in overrides.items():
            if key in REGISTRIES or (key.endswith(".name") and key[:-5] in REGISTRIES):
                data.setdefault(key.split(".")[0], {})["name"] = value
        for key, value in overrides.items():
            if key in REGISTRIES or (key.endswith(".name") and key[:-5] in REGISTRIES):
                continue
            section, dot, name = key.partition(".")
            if dot:
                if section not in SECTIONS:
                    raise ConfigError(f"unknown config section {section!r} in {key!r}; "
                                      f"sections: {', '.join(SECTIONS)}")
                data.setdefault(section, {})[name] = value
                continue
            owners = [s for s in SECTIONS if key in self._field_names(s, data)]
            if key == "name":
                raise ConfigError("say which component: SECTION=NAME, e.g. optimizer=cmaes or "
                                  "learner=two_layer")
            if not owners:
                raise ConfigError(f"unknown setting {key!r}; the chosen components' settings: "
                                  + "; ".join(f"{s}: {', '.join(self._field_names(s, data))}"
                                              for s in SECTIONS))
            if "run" in owners:        # a bare `seed` is the run's (tasks.seed must be said)
                owners = ["run"]
            if len(owners) > 1:
                raise ConfigError(f"setting {key!r} is ambiguous; say "
                                  f"{' or '.join(f'{s}.{key}' for s in owners)}")
            data.setdefault(owners[0], {})[key] = value
        return data

    def _field_names(self, section: str, data: dict) -> list[str]:
        if section == "run":
            cls = RunSettings
        else:
            name = data.get(section, {}).get("name", getattr(self, section).name)
            cls = REGISTRIES[section].get(name).settings
        return [f.name for f in dataclasses.fields(cls)]


def flatten(sections: dict) -> dict:
    """{section: {key: value}} (a config file) -> flat overrides {'section.key': value}.

    Top-level keys that are not sections pass through as bare keys.
    """
    out = {}
    for section, values in sections.items():
        if section in SECTIONS and isinstance(values, dict):
            for key, value in values.items():
                out[f"{section}.{key}"] = value
        elif isinstance(values, (dict, list)) and section not in SECTIONS:
            raise ConfigError(f"unknown config section {section!r}; sections: "
                              f"{', '.join(SECTIONS)}")
        else:
            out[section] = values
    return out


def load_config_file(path: str) -> dict:
    """Reads a TOML or JSON config file into flat overrides; one-line errors."""
    import tomllib
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    kind = "JSON" if path.endswith(".json") else "TOML"
    try:
        data = json.loads(raw.decode("utf-8")) if kind == "JSON" else tomllib.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"config file {path} is not valid {kind}: {first}") from None
    except RecursionError:
        # the parsers recurse once per level of arrays / inline tables
        raise ConfigError(f"config file {path} is nested too deeply (more than "
                          f"{MAX_NESTING} levels of lists or tables)") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a table of sections")
    flat = flatten(data)
    for key, value in flat.items():
        check_nesting(value, f"config file {path}: {key}")
    return flat


def to_toml(sections: dict) -> str:
    """A sectioned config as TOML: tables become inline tables; nulls, which TOML lacks,
    are left out (a missing key takes its default, which is null for every such field)."""
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if value is None:
                lines.append(f"# {key}: unset (null)")
            else:
                lines.append(f"{key} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)




def toml_value(value) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()
                               if v is not None) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return json.dumps(value)
