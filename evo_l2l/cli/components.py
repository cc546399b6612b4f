"""`evo-l2l components`: the registered components and their settings (config you can discover)."""
from __future__ import annotations

import json

import click

from . import main

SECTIONS = ("run", "optimizer", "rule", "learner", "tasks")


@main.command()
@click.argument("section", required=False, type=click.Choice(SECTIONS))
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
def components(section, name, as_json):
    """List the components of each config section and their settings.

    \b
    evo-l2l components                  every section and its components
    evo-l2l components optimizer        the optimizers and their settings
    evo-l2l components learner student  one learner's settings
    """
    from ..components import settings_table
    from ..config import REGISTRIES, RunSettings
    from ..errors import ConfigError
    out = {}
    for sec in ([section] if section else SECTIONS):
        if sec == "run":
            if name:
                raise ConfigError("section run has no components; try: evo-l2l components run")
            out["run"] = {"": {"summary": "what every run has", "settings": settings_table(RunSettings)}}
            continue
        registry = REGISTRIES[sec]
        items = [registry.get(name)] if name else list(registry)
        out[sec] = {c.name: {"summary": c.summary, "settings": settings_table(c.settings),
                             **_pairing(sec, c)} for c in items}
    if as_json:
        click.echo(json.dumps({s: {n: {**v, "settings": [{"name": k, "default": d, "doc": doc}
                                                         for k, d, doc in v["settings"]]}
                                   for n, v in comps.items()} for s, comps in out.items()},
                              indent=2, default=str))
        return
    for sec, comps in out.items():
        click.echo(f"[{sec}]")
        for cname, info in comps.items():
            if cname:
                click.echo(f"  {cname}: {info['summary']}")
            for key in ("runs", "requires", "provides", "genomes"):
                if info.get(key):
                    click.echo(f"      {key}: {', '.join(info[key])}")
            for key, default, doc in info["settings"]:
                click.echo(f"      {sec}.{key} = {json.dumps(default)}  # {doc}")
        click.echo("")


def _pairing(section: str, component) -> dict:
    """What a component pairs with, as it declares it."""
    if section == "learner":
        families = list(component.coefficient_families)
        if component.variables is not None:
            families.append(f"symbolic (variables {', '.join(component.variables)})")
        return {"runs": families, "requires": sorted(component.requires)}
    if section == "tasks":
        return {"provides": sorted(component.provides)}
    if section == "optimizer":
        return {"genomes": list(component.genomes)}
    return {}
