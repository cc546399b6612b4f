"""A Markdown and a self-contained HTML report of runs (figures embedded in the HTML)."""
from __future__ import annotations

import base64
import html
import os
import secrets
import shutil

from ..rules.kinds import kind_of

from .curves import learning_curve, problem_for, spaced
from .plots import plot_runs
from . import self_modification
from .domain_summary import domain_markdown, domain_metrics
from .rules import best_reference_rule, describe_rule


def _run_rows(run) -> dict:
    problem = problem_for(run)
    gen = int(run.state["generation"])
    rule = problem.rule_of_genome(run.generations["best_so_far_genome"][gen])
    best = describe_rule(problem, rule,
                         generation=int(run.generations["best_so_far_generation"][gen]))
    reference = best_reference_rule(problem)
    measure = getattr(run.config.learner.settings, "fitness_measure", None)
    # A kind without learning curves (a meta level's runs below) is summarised in `best`.
    curve = (learning_curve(problem, rule, run.tasks.select("heldout"))
             if kind_of(problem).learning_curves else None)
    from .episode_eval import is_episodic, protocol
    # A continual run's curve is measured before training and after each task of the
    # sequence (one pass each), not after epochs.
    unit = "task" if is_episodic(run) and protocol(run.tasks) == "continual" else "epoch"
    return {"run": os.path.basename(run.path), "preset": run.attrs.get("preset"),
            "seed": run.attrs.get("seed"), "generations": run.n_generations_done,
            "status": run.status, "wall": float(run.state["elapsed"]), "best": best,
            "reference": reference, "reference_label": problem.known_label(problem.reference_rule),
            "performance": problem.performance,
            "measure": ("averaged over the measurements before training and after each epoch"
                        if measure == "mean" else "after the last epoch" if measure == "final"
                        else "averaged over its training runs below"),
            "curve": curve, "curve_unit": unit,
            "over": "episodes" if is_episodic(run) else "tasks",
            "domain": domain_metrics(problem, rule, reference),
            "coefficient_texts": _coefficient_texts(problem, best),
            "lifetime": self_modification.summary(problem, rule)}


def _coefficient_texts(problem, best: dict) -> dict | None:
    """The best rule's coefficients as the report prints them (categorical genes by name,
    no negative zero)."""
    if "coefficients" not in best:
        return None
    texts = getattr(kind_of(problem), "coefficient_texts", None)
    if texts is not None:
        return texts(problem, best["coefficients"])
    return {k: f"{v + 0.0:g}" for k, v in best["coefficients"].items()}


def _groups(rows: list[dict], key) -> list:
    """(key, rows with that key) in order of first appearance."""
    out: dict = {}
    for r in rows:
        out.setdefault(key(r), []).append(r)
    return list(out.items())


def _markdown(rows: list[dict], figure: str) -> str:
    lines = ["# evo_l2l run report", "",
             f"![fitness, coefficients and learning curves]({figure})", "",
             "## Runs", "",
             "| run | preset | seed | generations | status | wall (s) |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['run']} | {r['preset']} | {r['seed']} | {r['generations']} | "
                     f"{r['status']} | {r['wall']:.1f} |")
    lines += ["", "## Best rules beside each run's known reference rule", "",
              "| run | rule | formula | the reference rule? | train fitness | held-out fitness |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        b, d = r["best"], r["reference"]
        lines.append(f"| {r['run']} | evolved (generation {b['generation']}) | `{b['formula']}` | "
                     f"{'yes' if b['is_reference_rule'] else 'no'} | {b['fitness']:.4f} | "
                     f"{b['heldout_fitness']:.4f} |")
        rate = "" if d.get("rate") is None else f", rate {d['rate']:g}"
        lines.append(f"| {r['run']} | {r['reference_label']}{rate} | "
                     f"`{d['formula']}` | yes | {d['fitness']:.4f} | {d['heldout_fitness']:.4f} |")
    curve_rows = [r for r in rows if r["curve"] is not None]
    if curve_rows:
        lines += ["", "## Learning curve of the best rule on held-out tasks"]
        # One table per set of measurements (runs of other presets measure other epochs,
        # continual runs after each task of the sequence), at most 13 columns, evenly spaced.
        for (unit, epochs), group in _groups(curve_rows, lambda r: (
                r["curve_unit"], tuple(r["curve"]["epoch"]))):
            shown = spaced(len(epochs))
            if unit == "task":
                lines += ["", "Continual runs: accuracy on the tasks learned so far, before "
                          "training and after each task of the sequence."]
            lines += ["", "| run | " + " | ".join(_column(unit, epochs[i]) for i in shown)
                      + " |", "|---|" + "---|" * len(shown)]
            for r in group:
                lines.append(f"| {r['run']} | " + " | ".join(
                    f"{r['curve']['mean'][i]:.3f}" for i in shown) + " |")
    for proto, group in _groups([r for r in rows if r.get("domain")],
                                lambda r: r["domain"]["protocol"]):
        if proto == "fewshot":
            lines += ["", "## Few-shot accuracy on held-out episodes, beside 1-NN and chance", "",
                      "Query accuracy +- 95% CI on each run's own stored held-out episodes; "
                      "`evo-l2l evaluate` draws 1000 and adds more baselines.", "",
                      "| run | method | accuracy |", "|---|---|---|"]
        else:
            lines += ["", "## Continual metrics on held-out sequences, beside SGD and the "
                      "same net with the reference rule", "",
                      "ACC +- 95% CI, BWT and forgetting on each run's own stored held-out "
                      "sequences; SGD's rate is the best on the run's first (at most 2) training "
                      "sequences. "
                      "`evo-l2l evaluate` adds FWT, R matrices and more baselines.", "",
                      "| run | method | ACC | BWT | forgetting |", "|---|---|---|---|---|"]
        for r in group:
            lines += domain_markdown(r["run"], r["domain"])
    meta_rows = [r for r in rows if "runs_below" in r["best"]]
    if meta_rows:
        lines += ["", "## Runs of the level below", "",
                  "| run | operators | split | runs | reached the target | reference-like | "
                  "median evaluations to the target |", "|---|---|---|---|---|---|---|"]
        for r in meta_rows:
            for who, d in (("evolved", r["best"]), ("hand-set", r["reference"])):
                for split, runs in d["runs_below"].items():
                    lines.append(f"| {r['run']} | {who} | {split} | {runs['runs']} | "
                                 f"{runs['reached']} | {runs['reference_like']} | "
                                 f"{runs['median_evaluations_to_target']} |")
    life_rows = [r for r in rows if r.get("lifetime") is not None]
    if life_rows:
        lines += ["", "## During a lifetime: the best rule's self-modification", ""]
        for r in life_rows:
            lines += [f"{r['run']}:", "", "```"] + self_modification.format_summary(
                r["lifetime"]) + ["```", ""]
    # Coefficient tables for rules of at most 100 coefficients (not an SRWM's W).
    coef_rows = [r for r in rows if "coefficients" in r["best"]
                 and len(r["best"]["coefficients"]) <= 100]
    if coef_rows:
        lines += ["", "## Coefficients of the best rules"]
        for names, group in _groups(coef_rows, lambda r: tuple(r["best"]["coefficients"])):
            lines += ["", "| run | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
            for r in group:
                lines.append(f"| {r['run']} | " + " | ".join(
                    r["coefficient_texts"].values()) + " |")
    tree_rows = [r for r in rows if "rule" in r["best"]]
    if tree_rows:
        lines += ["", "## Trees of the best rules", "", "| run | size | tree |", "|---|---|---|"]
        for r in tree_rows:
            lines.append(f"| {r['run']} | {r['best']['size']} | `{r['best']['rule']}` |")
    lines.append("")
    for r in rows:
        lines.append(f"Fitness of {r['run']}: mean over {r['over']} of the performance "
                     f"{r['performance']}, {r['measure']}.")
    lines += ["", "Generated by `evo-l2l report`.", ""]
    return "\n".join(lines)


def _column(unit: str, k: int) -> str:
    """Header of a learning-curve column: 'epoch k', or for a continual run 'before
    training' / 'after task k'."""
    if unit != "task":
        return f"epoch {k}"
    return "before training" if k == 0 else f"after task {k}"


def _html(markdown: str, png: bytes) -> str:
    """Minimal Markdown (headings, tables, code, the one image) to HTML, no dependencies."""
    out, in_table = [], False
    img = "data:image/png;base64," + base64.b64encode(png).decode()
    for line in markdown.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= {"-"} for c in cells):
                continue
            if not in_table:
                out.append('<div class="wide"><table>')
                in_table, tag = True, "th"
            else:
                tag = "td"
            out.append("<tr>" + "".join(f"<{tag}>{_inline(c)}</{tag}>" for c in cells) + "</tr>")
            continue
        if in_table:
            out.append("</table></div>")
            in_table = False
        if line.startswith("!["):
            out.append(f'<p><img src="{img}" alt="figure" style="max-width:100%"></p>')
        elif line.startswith("## "):
            out.append(f"<h2>{html.escape(line[3:])}</h2>")
        elif line.startswith("# "):
            out.append(f"<h1>{html.escape(line[2:])}</h1>")
        elif line:
            out.append(f"<p>{_inline(line)}</p>")
    if in_table:
        out.append("</table></div>")
    style = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto}"
             ".wide{overflow-x:auto;max-width:100%}"  # a 32-column table scrolls, the page does not
             "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;"
             "padding:3px 8px;text-align:right}code{background:#f4f4f4}")
    return ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>evo_l2l report</title>"
            f"<style>{style}</style></head><body>\n" + "\n".join(out) + "\n</body></html>\n")


def _inline(text: str) -> str:
    parts = text.split("`")
    return "".join(f"<code>{html.escape(p)}</code>" if i % 2 else html.escape(p)
                   for i, p in enumerate(parts))


def write_report(runs: list, out_dir: str, baselines: str | None = None) -> list[str]:
    """Writes report.md, report.html and figure.png into out_dir; returns their paths.

    They are written into a temporary folder beside out_dir first and moved in at the
    end, so a report stopped part-way (Ctrl-C, an error) leaves no half folder behind
    (and an older report in out_dir as it was).
    baselines: a Markdown table (analysis/automl.read_baselines) added as its own section."""
    given, out_dir = out_dir, os.path.abspath(out_dir)
    parent = os.path.dirname(out_dir)
    os.makedirs(parent, exist_ok=True)
    tmp = _partial_folder(parent, os.path.basename(out_dir))
    names = ["report.md", "report.html", "figure.png"]
    try:
        _write_files(runs, tmp, baselines)
        if not os.path.exists(out_dir):
            os.rename(tmp, out_dir)
        else:
            for name in names:
                os.replace(os.path.join(tmp, name), os.path.join(out_dir, name))
    finally:
        if os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    return [os.path.join(given, name) for name in names]


def _partial_folder(parent: str, name: str) -> str:
    """A new empty folder in parent for the report being written, made as mkdir makes
    folders (0777 less the umask: 0755 under the usual 022), not 0700 as mkdtemp would:
    it becomes the report folder itself."""
    while True:
        path = os.path.join(parent, f".{name}.partial-{secrets.token_hex(4)}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            continue


def _write_files(runs: list, out_dir: str, baselines: str | None) -> None:
    figure = os.path.join(out_dir, "figure.png")
    plot_runs(runs, figure)
    rows = [_run_rows(run) for run in runs]
    md = _markdown(rows, "figure.png")
    if baselines:
        md += "\n## Joint evolution of rule and learner vs its baselines\n\n" + baselines
    with open(os.path.join(out_dir, "report.md"), "w") as fh:
        fh.write(md)
    with open(figure, "rb") as fh:
        page = _html(md, fh.read())
    with open(os.path.join(out_dir, "report.html"), "w") as fh:
        fh.write(page)
