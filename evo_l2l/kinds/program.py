"""AutoML-Zero programs: setup, predict and learn functions over scalar, vector and
matrix memory, evolved by regularized evolution (Real et al. 2020)."""
from __future__ import annotations

from ..evolution.program_problem import ProgramProblem, fec_hit_rate
from ..rules.kinds import RuleKind


class ProgramKind(RuleKind):
    name = "program"
    summary = "an AutoML-Zero program of setup/predict/learn functions (Real et al. 2020)"
    noun = "program"
    size_name = "program length"
    size_unit = "instructions"
    problem_class = ProgramProblem
    rule_text_hint = "a program text (as `best` or the run summary prints it)"

    def bytes_per_individual(self, config) -> int:
        return 600 + 200 * sum(config.rule.settings.max_sizes)

    def batch_of(self, problem, rules):
        return problem.to_genome_array(list(rules))

    def warm(self, problem) -> None:
        """The interpreter's kernels (RuleKind.warm), and the search's compiled breeding
        on a batch of one child of a population of one."""
        super().warm(problem)
        from ..optimizers.program_search import ProgramSearch, ProgramSearchSettings
        search = ProgramSearch(ProgramSearchSettings(tournament_size=1, children_per_call=1),
                               problem.genome, 1)
        search.breed()

    def archive_attrs(self, problem) -> dict[str, list]:
        from ..rules.programs import OP_KEYS
        return {"program_ops": list(OP_KEYS)}

    def parse_rule(self, problem, text: str) -> tuple[str, str]:
        """A program's text, the summary's one-line form or `best`'s output (its first
        program), parsed with the whitelist of operations (never eval)."""
        from ..rules.printed import program_text
        return "given program", problem.user_program(program_text(text))

    def export_refusal(self, problem) -> str | None:
        return ("an AutoML-Zero run's rules are programs: use --format text (the code) "
                "or json")

    def best_lines(self, problem, rules: list[dict]) -> list[str]:
        """Each program with its dead instructions removed, and what it is."""
        out = []
        for r in rules:
            out.append(f"#{r['rank']} (generation {r['generation']}): fitness "
                       f"{r['fitness']:.6f}   held-out {r['heldout_fitness']:.6f}   "
                       f"{r['live_size']} live of {r['size']} instructions")
            if r.get("selection_fitness") is not None:
                out.append(f"   selection tasks {r['selection_fitness']:.6f}")
            known = r.get("known_algorithm")
            if known:
                out.append(f"   known algorithm: {known['label']}")
            out.extend("   " + line for line in r["pruned"].splitlines())
        return out

    def info(self, run) -> dict:
        """The functional-equivalence cache's hit rate over the run."""
        hits, lookups = fec_hit_rate(run.state["cache_keys"],
                                     run.config.rule.settings.fec_cache_size)
        return {"fec": {"hits": hits, "lookups": lookups,
                        "hit_rate": hits / lookups if lookups else None}}

    def rule_axes(self, ax, run) -> None:
        from ..analysis import plots
        plots.size_axes(ax, run)


KIND = ProgramKind()
