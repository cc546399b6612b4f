"""Writes the settings tables of docs/reference/config.md from the registered components.

    python scripts/gen_config_docs.py          # rewrite the tables in docs/reference/config.md
    python scripts/gen_config_docs.py --check  # exit 1 if they are out of date (the tests run this)
"""
import argparse
import json
import os
import sys

from evo_l2l.components import settings_table
from evo_l2l.config import REGISTRIES, RunSettings

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "reference", "config.md")
BEGIN, END = "<!-- settings tables: begin -->", "<!-- settings tables: end -->"


def table(cls, section: str) -> str:
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for key, default, doc in settings_table(cls):
        rows.append(f"| `{section}.{key}` | `{json.dumps(default)}` | {doc} |")
    return "\n".join(rows)


def tables() -> str:
    parts = ["### [run]", "", table(RunSettings, "run"), ""]
    for section, registry in REGISTRIES.items():
        for c in registry:
            parts += [f'### [{section}] name = "{c.name}"', "", f"{c.summary}.", "",
                      table(c.settings, section), ""]
    return "\n".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()
    text = open(DOC).read()
    head, rest = text.split(BEGIN)
    _, tail = rest.split(END)
    new = f"{head}{BEGIN}\n{tables()}{END}{tail}"
    if args.check:
        if new != text:
            print("docs/reference/config.md: settings tables are out of date; run "
                  "python scripts/gen_config_docs.py")
            return 1
        print("docs/reference/config.md: settings tables up to date")
        return 0
    open(DOC, "w").write(new)
    print("wrote docs/reference/config.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
