"""`llmflation plot capability`: capability against price (one dot per model, the Pareto frontier) as a table,
JSON, CSV, or a chart file. Parses and renders; the points and the frontier come from llmflation.trends."""

from __future__ import annotations

from pathlib import Path

import typer

from llmflation import format as fmt
from llmflation.cli.options import parse_date
from llmflation.cli.output import emit_csv, emit_json, exclusive, info, table

plot_app = typer.Typer(help="Charts: capability against price.", no_args_is_help=True)


@plot_app.command("capability")
def capability(
    benchmark: str = typer.Option("gpqa_diamond", "--benchmark", "-b", help="Benchmark: gpqa_diamond, mmlu, "
                                  "lmarena_elo, eci."),
    at: str | None = typer.Option(None, "--at", help="Prices in effect on this date (default today)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the chart: .png, .svg, .html or .json "
                                    "(the Vega-Lite spec)."),
    frontier_only: bool = typer.Option(False, "--frontier", help="List only the models on the frontier."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON to stdout."),
    as_csv: bool = typer.Option(False, "--csv", help="Print the points as CSV to stdout."),
) -> None:
    """One point per model at its cheapest offer against its score; the Pareto frontier (nothing cheaper scores
    higher). With --out, the chart also shows the frontier at the end of each earlier year."""
    from llmflation.errors import InputError
    from llmflation.ledger.ledger import open_ledger
    from llmflation.trends.capability import yearly_views

    exclusive(json=as_json, csv=as_csv)
    if out is not None and out.suffix.lower() not in (".png", ".svg", ".html", ".json"):
        raise typer.BadParameter("use a .png, .svg, .html or .json file name", param_hint="--out")
    when = parse_date(at)
    ledger = open_ledger()
    views = yearly_views(ledger, benchmark, at=when)
    view = views[-1]
    newest = max((p.valid_from for p in ledger.all_prices()), default=None)
    if newest is not None and view.at > newest:
        info(f"(prices on {view.at} repeat the newest on record, from {newest}: the data ends there)")
    if out is not None:
        from llmflation.charts.capability import capability_spec
        from llmflation.report.render import write_chart

        try:
            path = write_chart(capability_spec(views), out)
        except OSError as exc:
            raise InputError(f"cannot write {out}: {exc}. Choose another --out path.") from None
        info(f"chart written to {path}")
    points = view.frontier if frontier_only else list(view.points)
    if as_json:
        record = view.as_dict()
        if frontier_only:
            record["points"] = [p.as_dict() for p in points]
        emit_json(record)
        return
    if as_csv:
        emit_csv([p.as_dict() for p in points])
        return
    if out is not None and not points:
        return
    from llmflation.charts import labels

    table(
        f"{labels.benchmark(view.benchmark)} against price on {view.at} "
        f"({len(view.frontier)} of {len(view.points)} models on the frontier)",
        ["model", "host", "$/M blended", "score", "frontier", "price source"],
        [(p.name, p.provider, fmt.money(p.price), fmt.score(p.score), "yes" if p.on_frontier else "",
          labels.source(p.price_source)) for p in points],
        justify_right=["$/M blended", "score"],
        drop=["price source", "host"],
    )


def register(app: typer.Typer) -> None:
    app.add_typer(plot_app, name="plot")
