"""``msrwe demo``: the whole job on the built-in synthetic cohort, in one go."""

from __future__ import annotations

from pathlib import Path

import typer

from msrwe.cli._common import console, guard, out_folder, progress, shown

__all__ = ["DEMO_COMPARE_ARMS", "DEMO_COMPARE_STUDY", "DEMO_STUDY", "register"]

#: The study file the demo writes and uses: the published long-term intrathecal methotrexate
#: series (clinical-methods.md section 9.2), analysed by MS phenotype.
DEMO_STUDY = """\
[study]
title = "Long-term intrathecal methotrexate in progressive MS (synthetic demo cohort)"

[cohort]
drug = "methotrexate"
route = "intrathecal"
min_administrations = 18
phenotypes = ["SPMS", "PPMS"]

[analysis]
group_by = "phenotype"
"""


#: The arms of the demo's comparison (a second synthetic cohort, docs/compare.md).
DEMO_COMPARE_ARMS: tuple[str, ...] = ("methotrexate", "rituximab", "cladribine")
#: The study file of the demo's comparison: new users of three drugs, matched on the propensity
#: score; the synthetic cohort has confounding by indication and a true hazard ratio of 0.7.
DEMO_COMPARE_STUDY = """\
[study]
title = "Methotrexate, rituximab or cladribine in progressive MS (synthetic demo comparison)"

[cohort]
drug = "methotrexate"

[compare]
arms = ["methotrexate", "rituximab", "cladribine"]
reference = "methotrexate"
method = "matching"
caliper = 0.2
ratio = 1
replace = false
censoring = "pairwise"
follow_up = "itt"
outcomes = ["edss", "pira"]
"""


def demo(
    out: Path = typer.Option(
        Path("demo-output"), "--out", help="Folder for the charts, the store and the report."
    ),
    patients: int = typer.Option(83, "--patients", min=1, help="Number of synthetic patients."),
    seed: int = typer.Option(2019, "--seed", help="Random seed of the synthetic cohort."),
    dirty: bool = typer.Option(
        False,
        "--dirty/--clean",
        help="Plant realistic chart errors so the quarantine has something to show "
        "(as `msrwe synth --dirty`).",
    ),
) -> None:
    """Synthesise a cohort, import it, analyse it and write the HTML report."""
    _run_demo(out, patients, seed, dirty)


@guard
def _run_demo(out: Path, patients: int, seed: int, dirty: bool) -> None:
    from msrwe._atomic import atomic_write_text
    from msrwe.design.demo import run_demo_design
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    out_folder(out).mkdir(parents=True, exist_ok=True)
    charts, db, html = out / "charts", out / "msrwe.duckdb", out / "report.html"
    study = out / "study.toml"
    atomic_write_text(study, DEMO_STUDY)
    with progress() as bar:
        task = bar.add_task("demo", total=4)
        bar.update(task, description=f"writing {patients} synthetic charts")
        write_cohort(charts, patients, seed=seed, dirty=dirty)
        bar.advance(task)
        bar.update(task, description="importing the charts")
        summary = import_folder(charts, db)
        bar.advance(task)
        bar.update(task, description="analysing and writing the report")
        _analyse_and_report(db, html, study, out / "results")
        bar.advance(task)
        bar.update(task, description="comparing methotrexate, rituximab and cladribine")
        compare_html = _run_compare_demo(out / "compare", seed)
        bar.advance(task)
    totals = summary.to_json_dict()["tables"]
    read = sum(t["read"] for t in totals.values())
    quarantined = sum(t["quarantined"] for t in totals.values())
    console.print(f"Charts:  {shown(charts)}  ({read} rows, {quarantined} quarantined)")
    console.print(f"Store:   {shown(db)}")
    console.print(f"Study:   {shown(study)}")
    console.print(f"Results: {shown(out / 'results')}  (the report again, without analysing: "
                  f"msrwe report --analysis {shown(out / 'results')} --out report.html)")
    console.print(f"Comparison: {shown(compare_html.resolve())}")
    console.print(f"[bold green]Report:[/]  {shown(html.resolve())}")
    console.print(f"Design:  {shown(run_demo_design(out / 'design').resolve())}")
    console.print(f"Web app: msrwe users add NAME --role data-manager --db {db}; "
                  f"then msrwe serve --db {db} --study {study}")


def _analyse_and_report(db: Path, html: Path, study: Path, results: Path) -> Path:
    """Analyse once, export, keep the analysis for ``msrwe report --analysis``, render.

    The export goes into ``results``, the bundle into ``results/analysis``, and the report is
    rendered from the same result. When the analysis cannot run for a reason the user can fix,
    the report is the data report that says why (:func:`msrwe.pipeline.build_report`).
    """
    from msrwe.errors import InputError, StoreError
    from msrwe.pipeline import analyze, build_report
    from msrwe.pipeline.bundle import save_analysis
    from msrwe.store import Store

    try:
        with Store(db) as store:
            result = analyze(store, study)
            quality = store.quality()
    except (InputError, StoreError):
        return build_report(db, html, study=study, export=results)
    path = build_report(db, html, analysis=result, export=results)
    save_analysis(result, results, quality=quality)  # after the export, which replaces results
    return path


def _run_compare_demo(folder: Path, seed: int) -> Path:
    """Synthesise the comparison arms, import them and write their report; return its path.

    The report has the section "Comparative effectiveness" (the study has ``[compare]``).
    """
    from msrwe._atomic import atomic_write_text
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    folder.mkdir(parents=True, exist_ok=True)
    charts, db = folder / "charts", folder / "msrwe.duckdb"
    study_path = folder / "study.toml"
    atomic_write_text(study_path, DEMO_COMPARE_STUDY)
    write_cohort(charts, 900, seed=seed, arms=DEMO_COMPARE_ARMS)
    import_folder(charts, db)
    return _analyse_and_report(db, folder / "report.html", study_path, folder / "results")


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to ``app``."""
    app.command("demo")(demo)
