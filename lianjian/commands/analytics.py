"""``lianjian scan``, ``rules``, ``alerts``, ``evaluate`` and ``schedule``: detection.

The commands are thin: they parse options, call ``analytics`` and print. ``app`` bundles
them for running this module on its own; ``lianjian.cli`` registers each one.
"""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from graph.errors import LianjianError
from lianjian.commands import connect
from lianjian.commands.alerts import alerts_app
from lianjian.commands.audit import acting, as_option

console = Console(stderr=True)
out = Console()

rules_app = typer.Typer(help="Detection rules: list them, try a rule file on the graph.",
                        no_args_is_help=True)

PARAM_HELP = ("Parameter as name=value (every rule declaring it) or rule.name=value; "
              "lists comma-separated. Repeatable.")
UNITS_HELP = "Limit to these unit codes and their sub-units (comma-separated or repeated)."


def parse_parameters(items: list[str] | None) -> dict:
    """``["window_days=30", "bid_splitting.methods=inquiry,direct"]`` → nested dict."""
    parameters: dict = {}
    for item in items or []:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise typer.BadParameter(f"{item!r}: write name=value or rule.name=value")
        rule_id, dot, parameter = name.strip().rpartition(".")
        if dot:
            parameters.setdefault(rule_id, {})[parameter] = value.strip()
        else:
            parameters[parameter] = value.strip()
    return parameters


def _split(values: list[str] | None) -> list[str] | None:
    found = [part.strip() for value in values or [] for part in value.split(",") if part.strip()]
    return found or None


def scan(
    rule: list[str] = typer.Option(None, "--rule", "-r", help="Rule id to run (default all)."),
    units: list[str] = typer.Option(None, "--units", "-u", help=UNITS_HELP),
    param: list[str] = typer.Option(None, "--param", "-p", help=PARAM_HELP),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    break_lock: bool = typer.Option(False, "--break-lock",
                                    help="Clear a scan lock left by a crashed scan first."),
    actor: str = as_option(),
) -> None:
    """Run detection rules and update the alerts (new, still matching, no longer matching)."""
    from analytics.rules import load_rules
    from analytics.scan import release_lock, run_scan

    total = len(_split(rule) or load_rules())
    with connect() as connection:
        if break_lock:
            release_lock(connection)
        with _rule_progress(progress, total) as on_progress:
            result = run_scan(connection, _split(rule), _split(units),
                              parse_parameters(param), on_progress, actor=acting(actor))
    table = Table(title=f"scan {result.scan_id} ({result.seconds:.1f} s)")
    table.add_column("rule", no_wrap=True)
    for column in ("hits", "new", "still matching", "evidence changed", "no longer",
                   "seconds"):
        table.add_column(column, justify="right")
    for run in result.rules:
        table.add_row(run.rule_id, str(run.hits), str(run.new), str(run.still_matching),
                      str(run.evidence_changed), str(run.no_longer_matching),
                      f"{run.seconds:.2f}")
    table.add_row("total", str(sum(run.hits for run in result.rules)), str(result.new_alerts),
                  str(result.still_matching), str(result.evidence_changed),
                  str(result.no_longer_matching), f"{result.seconds:.2f}")
    out.print(table)
    if result.carried_over or result.successors:
        out.print(f"{result.carried_over} alert(s) kept their decisions under new ids "
                  f"(anchors); {result.successors} new alert(s) succeed retired ones")


class _rule_progress:
    """A rich bar advancing one step per rule, naming the rule running."""

    def __init__(self, enabled: bool, total: int):
        self.enabled = enabled
        self.total = total
        self.bar: Progress | None = None

    def __enter__(self):
        if not self.enabled:
            return None
        self.bar = Progress(TextColumn("{task.description:<22}"), BarColumn(),
                            TextColumn("{task.completed}/{task.total} rules"),
                            TimeElapsedColumn(), console=console)
        self.bar.start()
        self.task = self.bar.add_task("scan", total=self.total)
        return self.update

    def update(self, rule_id: str, state: str) -> None:
        if state == "start":
            self.bar.update(self.task, description=rule_id)
        else:
            self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar:
            self.bar.stop()


@rules_app.command("list")
def list_rules(rules_dir: Path = typer.Option(None, "--rules-dir",
                                              help="Extra rules folder (default: settings)")
               ) -> None:
    """Print every rule (built-in and the analysts' folder) with its parameters."""
    from analytics.rules import load_rules

    for rule in load_rules(rules_dir).values():
        out.print(f"[bold]{rule.id}[/bold]  {rule.name_zh} · {rule.name_en}  "
                  f"[dim]severity {rule.severity}, {rule.risk_points:g} points, "
                  f"{rule.path}[/dim]")
        for name, parameter in rule.parameters.items():
            out.print(f"    {name} = {parameter.default!r} ({parameter.type}): "
                      f"{parameter.description}")


@rules_app.command("test")
def try_rule(
    rule_file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Rule YAML file"),
    units: list[str] = typer.Option(None, "--units", "-u", help=UNITS_HELP),
    param: list[str] = typer.Option(None, "--param", "-p", help=PARAM_HELP),
    limit: int = typer.Option(20, help="Hits to print"),
) -> None:
    """Validate a rule file, plan it against the database and show its hits (writes nothing)."""
    from analytics.rules import check_cypher, load_rule
    from analytics.rules.hits import run_rule
    from analytics.scan import resolve_parameters, units_with_subunits

    rule = load_rule(rule_file)
    with connect() as connection:
        check_cypher(connection, rule)
        values = resolve_parameters([rule], parse_parameters(param))[rule.id]
        scope = units_with_subunits(connection, _split(units)) if _split(units) else None
        hits = run_rule(connection, rule, values, scope)
    out.print(f"{rule.id} ({rule.name_zh}): valid; {len(hits)} hit(s) with {values}")
    for hit in hits[:limit]:
        out.print(f"- {hit.alert_id}: {hit.summary_zh}\n  {hit.summary_en}\n"
                  f"  [dim]{';'.join(hit.entity_ids)}[/dim]")


@rules_app.command("doc")
def rules_doc(write: bool = typer.Option(False, "--write",
                                         help="Rewrite the generated block of docs/rules.md"),
              document: Path = typer.Option(Path("docs/rules.md"), help="Document to update")
              ) -> None:
    """Print the generated rule reference (or rewrite it inside docs/rules.md)."""
    from analytics.rules import BUILTIN_DIR, load_rules
    from analytics.rules.doc import render_reference, update_document

    rules = load_rules(BUILTIN_DIR, include_builtin=False)
    if not write:
        typer.echo(render_reference(rules), nl=False)
        return
    document.write_text(update_document(document.read_text(encoding="utf-8"), rules),
                        encoding="utf-8")
    console.print(f"updated {document}")


@rules_app.command("quality")
def quality(
    since: str = typer.Option(None, "--since", help="Only alerts first seen on or after "
                                                   "this date (YYYY-MM-DD)"),
    as_json: bool = typer.Option(False, "--json", help="Print JSON"),
) -> None:
    """Rule quality from dispositions: precision (95 % Wilson), days to decision, overdue."""
    import json

    from analytics.quality import rule_quality
    from analytics.scope import Scope

    with connect() as connection:
        figures = rule_quality(connection, Scope.everything(), since=since)
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        return
    typer.echo(quality_report(figures))


def quality_report(figures: list[dict]) -> str:
    """Plain text, one line per rule, readable in 80 columns and in a log file."""
    lines = ["rule quality 规则质量: precision = (属实 + 部分属实) / (属实 + 部分属实 + 不属实), "
             "95 % Wilson interval",
             f"{'rule':<19}{'raised':>7}{'decided':>8}{'conf':>5}{'part':>5}{'unf':>5}"
             f"{'precision':>10}{'95 % interval':>14}{'days':>6}{'overdue':>8}"]
    for row in figures:
        precision = "–" if row["precision"] is None else f"{row['precision']:.3f}"
        interval = ("–" if row["precision"] is None else
                    f"{row['precision_low']:.2f}–{row['precision_high']:.2f}")
        days = row["median_days_to_decision"]
        lines.append(f"{row['rule_id']:<19}{row['raised']:>7}{row['decided']:>8}"
                     f"{row['confirmed']:>5}{row['partly_confirmed']:>5}{row['unfounded']:>5}"
                     f"{precision:>10}{interval:>14}{'–' if days is None else f'{days:g}':>6}"
                     f"{row['overdue']:>8}")
    return "\n".join(lines)


def evaluate(
    dataset_dir: Path = typer.Argument(..., exists=True, file_okay=False,
                                       help="Dataset folder holding truth.csv"),
    run_first: bool = typer.Option(False, "--scan", help="Run a full scan first"),
    details: int = typer.Option(10, help="Misses and false alarms listed per rule"),
    dataset: str = typer.Option(None, "--dataset", help="Only alerts resting on this "
                                "dataset's rows (its load name, by default the folder name)"),
) -> None:
    """Precision and recall of the current alerts against the dataset's truth.csv."""
    from analytics.evaluate import evaluate as evaluate_alerts
    from analytics.scan import run_scan

    with connect() as connection:
        if run_first:
            run_scan(connection)
        result = evaluate_alerts(connection, dataset_dir, dataset=dataset)
    out.print(result.report(details), markup=False, highlight=False)


def schedule(
    config: Path = typer.Option(None, "--config", help="Config file (default lianjian.toml)"),
    once: bool = typer.Option(False, "--once", help="Run every entry now, once, and exit"),
    max_runs: int = typer.Option(None, "--max-runs", help="Stop after this many runs"),
) -> None:
    """Run scans on the cron expressions of the schedule entries in lianjian.toml."""
    import logging

    from analytics.schedule import read_schedule, run_schedule

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    entries = read_schedule(config)
    for entry in entries:
        console.print(f"{entry.name}: cron {entry.cron!r}, rules {entry.rules or 'all'}, "
                      f"units {entry.units or 'all'}")
    with connect() as connection:
        runs = run_schedule(connection, entries, once=once, max_runs=max_runs,
                            on_run=lambda entry, _, message: out.print(f"{entry.name}: {message}"))
    console.print(f"{runs} run(s)")


app = typer.Typer(help="Detection commands (standalone; lianjian.cli wires them in).",
                  no_args_is_help=True, pretty_exceptions_enable=False)
app.command()(scan)
app.add_typer(rules_app, name="rules")
app.add_typer(alerts_app, name="alerts")
app.command()(evaluate)
app.command()(schedule)

__all__ = ["app", "scan", "rules_app", "alerts_app", "evaluate", "schedule",
           "parse_parameters", "LianjianError"]
