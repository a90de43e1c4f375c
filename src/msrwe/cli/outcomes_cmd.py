"""``msrwe outcomes``: confirmed disability events from the store, msprog-compatible.

Every option of :func:`msrwe.derive.outcomes.detect_events` is a ``--kebab-case`` flag with the
same meaning; pairs such as ``relapse_assoc=(90, 7)`` are written ``--relapse-assoc 90,7`` and an
infinite value as ``inf``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import typer
from rich.table import Table

from msrwe.cli._common import console, guard, out_folder, progress
from msrwe.errors import OptionError

__all__ = ["outcomes", "parse_number_or_pair", "register"]


def parse_number_or_pair(name: str, text: str | None) -> float | tuple[float, float] | None:
    """Parse ``"30"`` or ``"30,7"`` (``inf`` allowed) for the option ``name``.

    Examples
    --------
    >>> parse_number_or_pair("relapse_assoc", "90,7")
    (90.0, 7.0)
    >>> parse_number_or_pair("require_sust_days", "inf")
    inf
    """
    if text is None:
        return None
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        parts = []
    if len(parts) not in (1, 2) or any(math.isnan(p) for p in parts):
        raise OptionError(f"--{name.replace('_', '-')} must be a number of days or two numbers "
                          f"separated by a comma (e.g. 90,7). Got {text!r} instead.")
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


@guard
def outcomes(
    db: Path = typer.Option(Path("msrwe.duckdb"), "--db", help="The DuckDB store to read."),
    outcome: str = typer.Option("edss", "--outcome", help="edss, sdmt, t25fw, nhpt or custom."),
    out: Path = typer.Option(Path("events.csv"), "--out",
                             help="Events file: CSV, or Parquet when it ends in .parquet."),
    describe: bool = typer.Option(False, "--describe", help="Print the methods paragraph."),
    study: Path | None = typer.Option(
        None, "--study", help="A study file (TOML): the events of its cohort under its "
        "[outcomes] definitions, from each patient's baseline on (the other options are then "
        "taken from the study file)."),
    value_col: str | None = typer.Option(None, "--value-col", help="Column of the outcome."),
    delta_fun: str | None = typer.Option(
        None, "--delta-fun", help="Threshold policy: msprog, trial, lorscheider, pct20, "
        "sdmt_msprog, sdmt_4_or_10pct."),
    worsening: str | None = typer.Option(None, "--worsening", help="increase or decrease "
                                         "(custom outcomes)."),
    valuedelta_col: str | None = typer.Option(None, "--valuedelta-col"),
    event: str = typer.Option("firstCDW", "--event", help="firstCDW, firstCDI, first, "
                              "firstPIRA, firstRAW or multiple."),
    raw_pira: bool = typer.Option(False, "--raw-pira", help="Classify worsening as RAW/PIRA."),
    baseline: str = typer.Option("fixed", "--baseline",
                                 help="fixed, roving, roving_impr or roving_wors."),
    proceed_from: str = typer.Option("firstconf", "--proceed-from", help="firstconf or event."),
    sub_threshold_rebl: str = typer.Option("none", "--sub-threshold-rebl",
                                           help="none, event, improvement or worsening."),
    bl_geq: bool = typer.Option(False, "--bl-geq"),
    relapse_rebl: bool = typer.Option(False, "--relapse-rebl"),
    skip_local_extrema: str = typer.Option("none", "--skip-local-extrema",
                                           help="none, strict or all."),
    conf_days: list[float] = typer.Option([84.0], "--conf-days",
                                          help="Confirmation period in days (repeatable)."),
    conf_tol_days: str = typer.Option("7,730.5", "--conf-tol-days",
                                      help="Tolerance left,right in days (right may be inf)."),
    validconf_col: str | None = typer.Option(None, "--validconf-col"),
    require_sust_days: str = typer.Option("0", "--require-sust-days",
                                          help="Days the change must last (inf: to the end)."),
    check_intermediate: bool = typer.Option(True, "--check-intermediate/--no-check-intermediate"),
    relapse_to_bl: str = typer.Option("30", "--relapse-to-bl"),
    relapse_to_event: str = typer.Option("0", "--relapse-to-event"),
    relapse_to_conf: str = typer.Option("30", "--relapse-to-conf"),
    relapse_assoc: str = typer.Option("90", "--relapse-assoc"),
    relapse_indep: str | None = typer.Option(
        None, "--relapse-indep",
        help='JSON, e.g. \'{"prec": [0, 0], "event": [90, 30], "conf": [90, 30]}\'.'),
    impute_last_visit: float = typer.Option(0.0, "--impute-last-visit"),
    subjects: str | None = typer.Option(None, "--subjects", help="Comma-separated patient ids."),
    unconfirmed: Path | None = typer.Option(None, "--unconfirmed",
                                            help="Also write unconfirmed changes here."),
    random_state: int | None = typer.Option(None, "--random-state"),
) -> None:
    """Detect confirmed disability worsening/improvement (PIRA/RAW) in the store's visits."""
    from msrwe.derive.outcomes import detect_events
    from msrwe.derive.relapses import filter_confirmed_relapses
    from msrwe.store._read import has_table, read_table

    out_folder(out.parent, given=out)
    if unconfirmed is not None:
        out_folder(unconfirmed.parent, "--unconfirmed", given=unconfirmed)
    if study is not None:
        _from_study(db, study, outcome, out, describe)
        return
    indep: Any = None
    if relapse_indep is not None:
        try:
            indep = json.loads(relapse_indep)
        except json.JSONDecodeError as exc:
            raise OptionError(f"--relapse-indep must be JSON: {exc}") from exc
    with progress() as bar:
        task = bar.add_task("reading the store", total=None)
        visits = read_table(db, "visits")
        relapses = read_table(db, "relapses") if has_table(db, "relapses") else None
        if relapses is not None:
            relapses = filter_confirmed_relapses(relapses)
        subject_ids = None if subjects is None else [x.strip() for x in subjects.split(",")]
        _check_inputs(visits, outcome, value_col, subject_ids)
        bar.update(task, description="detecting events")
        res = _as_flags(detect_events)(
            visits, relapses, outcome=outcome, value_col=value_col,
            delta_fun=delta_fun, worsening=worsening, valuedelta_col=valuedelta_col,
            event=event, RAW_PIRA=raw_pira, baseline=baseline, proceed_from=proceed_from,
            sub_threshold_rebl=sub_threshold_rebl, bl_geq=bl_geq, relapse_rebl=relapse_rebl,
            skip_local_extrema=skip_local_extrema, conf_days=list(conf_days),
            conf_tol_days=parse_number_or_pair("conf_tol_days", conf_tol_days),
            validconf_col=validconf_col,
            require_sust_days=parse_number_or_pair("require_sust_days", require_sust_days),
            check_intermediate=check_intermediate,
            relapse_to_bl=parse_number_or_pair("relapse_to_bl", relapse_to_bl),
            relapse_to_event=parse_number_or_pair("relapse_to_event", relapse_to_event),
            relapse_to_conf=parse_number_or_pair("relapse_to_conf", relapse_to_conf),
            relapse_assoc=parse_number_or_pair("relapse_assoc", relapse_assoc),
            relapse_indep=indep, impute_last_visit=impute_last_visit,
            subjects=subject_ids,
            return_unconfirmed=unconfirmed is not None, random_state=random_state,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(res.events, out)
    if unconfirmed is not None and res.unconfirmed is not None:
        _write(res.unconfirmed, unconfirmed)
    ev = res.events
    t = Table(title=f"{outcome.upper()} events ({event}, {baseline} baseline)")
    t.add_column("", justify="left")
    t.add_column("patients", justify="right")
    t.add_column("events", justify="right")
    t.add_row("analysed", str(res.summary.height), "")
    for label, where in (("CDW", pl.col("event_type") == "CDW"),
                         ("RAW", pl.col("cdw_type") == "RAW"),
                         ("PIRA", pl.col("cdw_type") == "PIRA"),
                         ("undefined", pl.col("cdw_type") == "undefined"),
                         ("CDI", pl.col("event_type") == "CDI")):
        sub = ev.filter(where)
        if sub.height or label in ("CDW", "CDI"):
            t.add_row(label, str(sub["patient_id"].n_unique()), str(sub.height))
    console.print(t)
    if describe:
        console.print(res.describe(), soft_wrap=True, highlight=False)
    console.print(f"Wrote {res.events.height} events to {out}")


def _outcome_columns(outcome: str, value_col: str | None) -> tuple[str, ...]:
    """The chart columns the engine reads for ``outcome`` (its own defaults)."""
    from msrwe.derive.outcomes.nhpt import NHPT_COLUMNS
    from msrwe.derive.outcomes.options import _DEFAULT_VALUE_COL

    if value_col:
        return (value_col,)
    if outcome == "nhpt":
        return tuple(NHPT_COLUMNS.values())
    return (_DEFAULT_VALUE_COL[outcome],) if outcome in _DEFAULT_VALUE_COL else ()


def _check_inputs(
    visits: pl.DataFrame, outcome: str, value_col: str | None, subjects: list[str] | None
) -> None:
    """Refuse, before any work, an outcome without data or patients that are not in the store."""
    columns = _outcome_columns(outcome, value_col)
    present = [c for c in columns if c in visits.columns]
    if columns and not any(visits[c].is_not_null().any() for c in present):
        raise OptionError(
            f"No visit in the store has a value for {' or '.join(columns)}, so there is no "
            f"{outcome} outcome to analyse."
        )
    if subjects:
        known = set(visits["patient_id"].cast(pl.String).to_list())
        unknown = [p for p in subjects if p not in known]
        if len(unknown) == len(subjects):
            raise OptionError(
                f"--subjects: none of {', '.join(subjects)} has a visit in the store."
            )


def _as_flags(func: Any) -> Any:
    """Call ``func``; its option errors name the command-line flags, not the Python parameters."""

    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OptionError as exc:
            if exc.option is None or exc.rule is None:
                raise
            flag = "--" + exc.option.lower().replace("_", "-")
            raise OptionError(f"The option {flag} {exc.rule}", option=exc.option,
                              rule=exc.rule) from exc

    return call




def _from_study(db: Path, study: Path, outcome: str, out: Path, describe: bool) -> None:
    """Write the events ``msrwe analyze`` finds for ``outcome`` under a study file."""
    from msrwe.study import analyze
    from msrwe.study.efficacy import MEASURES

    params = {m.outcome: m.param for m in MEASURES}  # adevents.param of each analysed outcome
    if outcome not in params:
        raise OptionError(
            f"With --study, --outcome must be one of {{{', '.join(map(repr, params))}}} "
            f"(the outcomes a study analyses). Got {outcome!r} instead."
        )
    with progress() as bar:
        task = bar.add_task("analysing the study", total=None)
        result = analyze(db, study)
        bar.update(task, description="writing events")
    events = result.datasets.get("adevents")
    if events is None or "param" not in events.columns:
        events = pl.DataFrame(schema={"patient_id": pl.String, "event_type": pl.String})
    else:
        events = events.filter(pl.col("param") == params[outcome])
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(events, out)
    n_cohort = result.datasets["adsl"].height if "adsl" in result.datasets else 0
    console.print(
        f"{outcome.upper()} under {study}: {events.height} events in "
        f"{events['patient_id'].n_unique() if events.height else 0} of {n_cohort} patients."
    )
    if describe:
        console.print(result.methods, soft_wrap=True, highlight=False)
    console.print(f"Wrote {events.height} events to {out}")


def _write(df: Any, path: Path) -> None:
    # Python opens the file, so a path the system refuses (/proc/self/x.csv) is an OSError with
    # the path (a clear message from guard), never an abort inside the native writer.
    with path.open("wb") as f:
        if path.suffix.lower() == ".parquet":
            df.write_parquet(f)
        else:
            df.write_csv(f)


def register(app: typer.Typer) -> None:
    """Add the ``outcomes`` command to ``app``."""
    app.command("outcomes")(outcomes)
