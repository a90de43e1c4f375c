"""``msrwe analyze``: the study's cohort, safety and efficacy into ``results.csv``/``.parquet``."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from msrwe.cli._common import console, guard, out_folder, progress

__all__ = ["analyze", "register", "summary_tables"]


def _fmt(v: float | None, digits: int = 1) -> str:
    if v is None:
        return "-"
    if float(v).is_integer() and digits == 0:
        return str(int(v))
    return f"{v:.{digits}f}"


def summary_tables(results: pl.DataFrame, attrition: pl.DataFrame) -> list[Table]:
    """Short rich tables for the console: attrition, cohort per group, key safety and efficacy."""
    tables: list[Table] = []
    att = Table(title="Cohort and attrition")
    for name, justify in (("criterion", "left"), ("excluded", "right"), ("remaining", "right")):
        att.add_column(name, justify=justify)  # type: ignore[arg-type]
    for _step, criterion, excluded, remaining in attrition.iter_rows():
        att.add_row(criterion, str(excluded) if excluded else "", str(remaining))
    tables.append(att)

    def stats(analysis: str, **where: str) -> dict[str, dict[str, float | None]]:
        df = results.filter(pl.col("analysis") == analysis)
        for col, val in where.items():
            df = df.filter(pl.col(col) == val)
        out: dict[str, dict[str, float | None]] = {}
        for g, s, v in df.select("group", "stat", "value").iter_rows():
            out.setdefault(g, {})[s] = v
        return out

    groups = stats("cohort", variable="patients")
    if not groups:
        return tables
    order = [*sorted(g for g in groups if g != "overall"), "overall"]

    def n_pct(d: dict[str, float | None]) -> str:
        return f"{_fmt(d.get('n'), 0)} ({_fmt(d.get('pct'))}%)" if d else "-"

    ae = stats("ae_incidence", variable="any")
    if ae:
        sae = stats("ae_serious", variable="any")
        rel = stats("ae_related", variable="any")
        srel = stats("ae_related", variable="serious")
        inf = stats("ae_infection", variable="any")
        t = Table(title="Safety per group: patients with at least one treatment-emergent event")
        for name in ("group", "N", "any AE", "serious", "related", "serious related",
                     "infection"):
            t.add_column(name, justify="left" if name == "group" else "right")
        for g in order:
            t.add_row(
                g, _fmt(groups[g].get("N"), 0), n_pct(ae.get(g, {})), n_pct(sae.get(g, {})),
                n_pct(rel.get(g, {})), n_pct(srel.get(g, {})), n_pct(inf.get(g, {})),
            )
        tables.append(t)

    eff = stats("edss_change", variable="edss")
    slope = stats("edss_slope", variable="edss")
    tte = stats("time_to_cdw", variable="edss", level="")
    t = Table(
        title="EDSS per group",
        caption="median at baseline and last on treatment; improved/stable/worsened; "
        "Wilcoxon signed-rank p; mixed-model slope per year; patients with confirmed worsening",
    )
    for name in ("group", "n", "baseline->last", "impr/stab/wors", "p", "slope/yr", "CDW"):
        t.add_column(name, justify="left" if name == "group" else "right")
    for g in order:
        e, sl, k = eff.get(g, {}), slope.get(g, {}), tte.get(g, {})
        t.add_row(
            g,
            _fmt(e.get("n"), 0) if e else "-",
            f"{_fmt(e.get('baseline_median'))}->{_fmt(e.get('last_median'))}" if e else "-",
            (
                f"{_fmt(e.get('improved'), 0)}/{_fmt(e.get('stable'), 0)}/"
                f"{_fmt(e.get('worsened'), 0)}"
                if e
                else "-"
            ),
            _fmt(e.get("p_value"), 3) if e else "-",
            _fmt(sl.get("slope"), 2) if sl else "-",
            _fmt(k.get("events"), 0) if k else "-",
        )
    tables.append(t)
    return tables


@guard
def analyze(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to analyse."),
    study: Path | None = typer.Option(
        None,
        "--study",
        help="The study file (TOML). Without it, every patient on the most-given drug.",
    ),
    out: Path = typer.Option(Path("results"), "--out", help="Folder for results.csv/.parquet."),
    export: bool = typer.Option(
        False,
        "--export",
        help="Also write the datasets (adsl, addose, advs, adae, adtte, adevents, ...), the "
        "attrition table, the methods paragraph, the settings in force and the provenance.",
    ),
    quiet: bool = typer.Option(False, "--quiet", help="Print only the paths written."),
) -> None:
    """Analyse a store: cohort and attrition, exposure, safety and efficacy, into one table."""
    from msrwe.study.run import analyze as run_analysis

    out_folder(out)  # before minutes of analysis, not after
    with progress() as bar:
        task = bar.add_task("analysing", total=None)

        def on_step(i: int, total: int, description: str) -> None:
            bar.update(task, description=description, total=total, completed=i - 1)

        result = run_analysis(db, study, progress=on_step)
    if export:
        written = result.export(out)
        result.attrition.write_csv(out / "attrition.csv")
        (out / "methods.txt").write_text(result.methods + "\n", encoding="utf-8")
        for name, obj in (("settings.json", result.study), ("provenance.json", result.provenance)):
            (out / name).write_text(json.dumps(obj, indent=2, default=str) + "\n",
                                    encoding="utf-8")
        written += [out / n for n in ("attrition.csv", "methods.txt", "settings.json",
                                      "provenance.json")]
    else:
        written = list(result.results.write(out))
    if not quiet:
        for table in summary_tables(result.results.to_polars(), result.attrition):
            console.print(table)
    console.print(f"Wrote {len(result.results)} result rows to {written[0]} and {written[1]}")
    if export:
        console.print(f"Datasets, attrition, methods, settings and provenance in {out}")


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` command to ``app``."""
    app.command("analyze")(analyze)
