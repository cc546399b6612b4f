"""What every component (learner, rule family, task family, optimizer) is made of.

A component is one object registered in one Registry. It owns its name and
its config section: a dataclass derived from `Settings`, whose fields carry
their type, default, bounds and a one-line description (`setting(...)`), and
whose `check()` adds cross-field rules. Generic code validates a section
from its field declarations, so errors name the field and a new component
writes no validation boilerplate. This module sits below every layer: it
imports nothing of evo_l2l but the errors.
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import types
import typing
from dataclasses import dataclass, field

from .errors import ConfigError


def setting(default, doc: str, *, low=None, high=None, low_open: bool = False,
            choices: tuple | None = None):
    """A settings field: its default, a one-line description and its bounds.

    low/high bound numbers (low_open: strictly above low); choices lists the
    allowed values of a text field. Mutable defaults (lists) are copied.
    """
    meta = {"doc": doc, "low": low, "high": high, "low_open": low_open, "choices": choices}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda d=default: type(d)(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass
class Settings:
    """Base of a component's config section. Subclasses declare fields with setting()."""

    def check(self) -> None:
        """Cross-field rules; raise ConfigError (use `need`). Field bounds are checked already."""


def need(ok: bool, message: str) -> None:
    if not ok:
        raise ConfigError(message)


#: How deep lists and tables may nest in a setting's value. Real settings nest two or three
#: levels; the limit keeps recursive checks, copies and messages far from Python's own.
MAX_NESTING = 32


def check_nesting(value, where: str, limit: int = MAX_NESTING) -> None:
    """Refuses (ConfigError) a value whose lists/tables nest deeper than `limit`; iterative,
    so it cannot itself run out of recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, (list, tuple)):
            children = item
        else:
            continue
        if depth >= limit:
            raise ConfigError(f"{where} is nested too deeply (more than {limit} levels of "
                              f"lists or tables)")
        stack.extend((child, depth + 1) for child in children)


def _is_int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _type_ok(value, hint) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is int:
        return _is_int(value)
    if hint is float:
        # finite only: an infinite bound or weight range ended in numpy's OverflowError, and
        # an integer past a float's range cannot become one
        if _is_int(value):
            return abs(value) <= 2 ** 1023
        return isinstance(value, float) and math.isfinite(value)
    if hint is bool:
        return isinstance(value, bool)
    if hint is str:
        return isinstance(value, str)
    if origin is dict or hint is dict:
        return isinstance(value, dict)
    if origin is list or hint is list:
        args = typing.get_args(hint)
        return isinstance(value, list) and (not args or all(_type_ok(v, args[0]) for v in value))
    return True


def _type_name(hint) -> str:
    names = {int: "an integer", float: "a finite number", bool: "true or false", str: "text",
             dict: "a table", list: "a list", tuple: "a list"}
    if hint in names:
        return names[hint]
    args = typing.get_args(hint)
    if type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return " or ".join(_type_name(a) for a in rest) + " or null"
    if typing.get_origin(hint) is list:
        return f"a list of {_type_name(args[0]).removeprefix('an ').removeprefix('a ')}s" if args else "a list"
    return getattr(hint, "__name__", str(hint))


def validate_settings(settings: Settings, where: str) -> Settings:
    """Checks every field's type and bounds, then settings.check(); errors say `where.field`."""
    hints = typing.get_type_hints(type(settings))
    for f in dataclasses.fields(settings):
        value, meta = getattr(settings, f.name), f.metadata
        name = f"{where}.{f.name}"
        need(_type_ok(value, hints[f.name]), f"{name} must be {_type_name(hints[f.name])}; got {value!r}")
        if meta.get("choices") is not None and value is not None:
            items = value if isinstance(value, list) else [value]
            need(all(v in meta["choices"] for v in items),
                 f"{name} must be {'a list of ' if isinstance(value, list) else ''}one of "
                 f"{', '.join(map(str, meta['choices']))}; got {value!r}")
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            low, high = meta.get("low"), meta.get("high")
            if low is not None:
                ok = value > low if meta.get("low_open") else value >= low
                need(ok, f"{name} must be {'>' if meta.get('low_open') else '>='} {low}; got {value!r}")
            if high is not None:
                need(value <= high, f"{name} must be <= {high}; got {value!r}")
    try:
        settings.check()
    except ConfigError as exc:
        msg = str(exc)
        raise ConfigError(msg if msg.startswith(where) else f"{where}: {msg}") from None
    return settings


def settings_from_dict(cls: type[Settings], data: dict, where: str,
                       base: Settings | None = None) -> Settings:
    """A Settings object from `base` (or the defaults) with `data` applied; unknown keys
    are errors that list the valid ones. Integers given for float fields become floats."""
    need(isinstance(data, dict), f"{where} must be a table of settings")
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(data) - set(names))
    if unknown:
        raise ConfigError(f"{where} has no setting {', '.join(map(repr, unknown))}; "
                          f"its settings: {', '.join(names) or '(none)'}")
    for key, value in data.items():
        check_nesting(value, f"{where}.{key}")
    values = dataclasses.asdict(base) if base is not None else {}
    values.update(data)
    hints = typing.get_type_hints(cls)
    for name, v in values.items():
        if hints[name] in (float, float | None) and _is_int(v) and abs(v) <= 2 ** 1023:
            values[name] = float(v)
    return cls(**values)


def settings_table(cls: type[Settings]) -> list[tuple[str, object, str]]:
    """(name, default, description) of each field, for --help and docs."""
    out = []
    for f in dataclasses.fields(cls):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        out.append((f.name, default, f.metadata.get("doc", "")))
    return out


#: The entry-point group of plug-ins: each entry a module whose import registers
#: components, or a callable (no arguments) that registers them.
PLUGIN_GROUP = "evo_l2l.components"
_plugins = {"loaded": False}


class PluginWarning(UserWarning):
    """A plug-in (an entry point of PLUGIN_GROUP) that failed to load; the rest works."""


def load_plugins() -> list[str]:
    """Loads every installed plug-in once (later calls do nothing); returns the names of
    those loaded now. A plug-in that fails to import or register gives one PluginWarning
    naming it and its distribution, and is skipped."""
    if _plugins["loaded"]:
        return []
    _plugins["loaded"] = True            # first: a plug-in may itself ask a registry
    import importlib.metadata
    import types
    import warnings
    loaded = []
    for ep in importlib.metadata.entry_points(group=PLUGIN_GROUP):
        dist = getattr(getattr(ep, "dist", None), "name", None) or "?"
        try:
            found = ep.load()
            if callable(found) and not isinstance(found, types.ModuleType):
                found()
        except Exception as exc:                    # noqa: BLE001 - a plug-in's own fault
            first = (str(exc).strip().splitlines() or [""])[0]
            warnings.warn(f"evo_l2l plug-in {ep.name!r} ({ep.value}, distribution {dist}) "
                          f"not loaded: {type(exc).__name__}: {first}", PluginWarning,
                          stacklevel=2)
            continue
        loaded.append(ep.name)
    return loaded


class Registry:
    """Components of one kind by name. Tests register toy components with `registered`.

    A component may be registered by where it lives ("module:attribute", the attribute a
    component or a sequence of them) and is imported when first asked for: a run loads
    the few modules it names, not all of them (about 40 ms of each run's start). Its
    names are known without importing anything; iterating loads every component.
    Plug-ins (load_plugins) are loaded when a name is not found, and before a listing."""

    def __init__(self, kind: str):
        self.kind = kind
        self._items: dict[str, object] = {}          # name -> component, None until loaded
        self._where: dict[str, str] = {}

    def add(self, component):
        if component.name in self._items:
            raise ValueError(f"a {self.kind} named {component.name!r} is registered already")
        self._items[component.name] = component
        return component

    def add_lazy(self, name: str, where: str) -> None:
        """Registers the component `name` that module:attribute `where` holds."""
        if name in self._items:
            raise ValueError(f"a {self.kind} named {name!r} is registered already")
        self._items[name] = None
        self._where[name] = where

    def _load(self, name: str):
        import importlib
        module, _, attribute = self._where[name].partition(":")
        found = getattr(importlib.import_module(module), attribute)
        for component in (found if isinstance(found, (list, tuple)) else (found,)):
            if component.name == name:
                self._items[name] = component
                return component
        raise LookupError(f"{self._where[name]} holds no {self.kind} named {name!r}")

    def get(self, name: str):
        if not self._has(name):
            load_plugins()                        # a plug-in may register it
        try:
            component = self._items[name]
        except (KeyError, TypeError):
            raise ConfigError(f"unknown {self.kind} {name!r}; known: {', '.join(self._items)}") from None
        return component if component is not None else self._load(name)

    def names(self) -> tuple[str, ...]:
        load_plugins()
        return tuple(self._items)

    def _has(self, name) -> bool:
        try:
            return name in self._items
        except TypeError:
            return False

    def __contains__(self, name) -> bool:
        if not self._has(name):
            load_plugins()
        return self._has(name)

    def __iter__(self):
        load_plugins()
        return iter([self.get(name) for name in list(self._items)])

    @contextlib.contextmanager
    def registered(self, component):
        """Registers `component` for the duration of a with-block (tests, notebooks)."""
        self.add(component)
        try:
            yield component
        finally:
            self._items.pop(component.name, None)


@dataclass(frozen=True)
class GenomeSpec:
    """What an optimizer needs to know about the genomes it searches.

    kind: 'bits' (0/1 genes), 'real' (float genes), 'tree' (expression trees,
    crossing every boundary as text) or 'program' (AutoML-Zero programs, as text). length: genes per genome (array kinds).
    pset: the DEAP primitive set (trees); parse: text -> DEAP tree (trees).
    genes: for a mixed real genome, the type of each gene (rules/genes.py: real, logreal,
    int, cat), which the typed optimizers (mixed_ga, mixed_random) use; empty otherwise.
    insert: for a genome that is a program, its insertion mutation: (genome as a list,
    random.Random) -> None, in place: a new instruction placed in the path of a live read,
    DEAP's mutInsert for linear programs; optimizer aging uses it with probability
    insert_prob.
    """

    kind: str
    length: int = 0
    pset: object = None
    parse: typing.Callable | None = None
    genes: tuple = ()
    insert: typing.Callable | None = None

    @property
    def dtype(self):
        import numpy as np
        return {"bits": np.uint8, "real": np.float64, "tree": object, "program": object}[self.kind]

    @property
    def text(self) -> bool:
        """Genomes that cross every boundary as text: GP trees and AutoML-Zero programs."""
        return self.kind in ("tree", "program")

    @property
    def shape(self) -> tuple:
        return () if self.text else (self.length,)
