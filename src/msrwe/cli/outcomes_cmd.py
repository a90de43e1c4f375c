"""``msrwe outcomes``: confirmed disability events from the store, msprog-compatible.

Every option of :func:`msrwe.derive.outcomes.detect_events` is a ``--kebab-case`` flag with the
same meaning, default and allowed values: the flags are generated from the options' declaration
(:data:`msrwe.derive.outcomes.options.OPTIONS`), so a new engine option is a new flag. Pairs such
as ``relapse_assoc=(90, 7)`` are written ``--relapse-assoc 90,7``, an infinite value as ``inf``,
and ``return_unconfirmed`` is ``--unconfirmed FILE``.
"""

from __future__ import annotations

import inspect
import json
import math
from pathlib import Path
from typing import Any

import polars as pl
import typer

from msrwe._atomic import atomic_path
from msrwe._outputs import check_out_file, check_same_header
from msrwe.cli._common import console, guard, out_folder, progress, shown
from msrwe.derive.outcomes.options import OPTIONS, Option
from msrwe.errors import OptionError

__all__ = ["FLAG_OPTIONS", "flag_name", "outcomes", "parse_number_or_pair", "register"]

#: The engine options that are flags (``return_unconfirmed`` is ``--unconfirmed FILE``).
FLAG_OPTIONS: tuple[Option, ...] = tuple(o for o in OPTIONS if o.name != "return_unconfirmed")


def flag_name(option: str) -> str:
    """The command-line flag of an engine option.

    Examples
    --------
    >>> flag_name("RAW_PIRA"), flag_name("conf_tol_days")
    ('--raw-pira', '--conf-tol-days')
    """
    return "--" + option.lower().replace("_", "-")


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
        raise OptionError(f"{flag_name(name)} must be a number of days or two numbers "
                          f"separated by a comma (e.g. 90,7). Got {text!r} instead.")
    return parts[0] if len(parts) == 1 else (parts[0], parts[1])


def _text(value: Any) -> str:
    """A declared default as the flag writes it (``(7, 730.5)`` -> ``"7,730.5"``)."""
    if isinstance(value, tuple | list):
        return ",".join(_text(v) for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


#: How each kind of option is typed on the command line and read back.
_NUMBER_TEXT = ("days", "pair", "tolerance")


def _parameter(o: Option) -> inspect.Parameter:
    """The typer parameter of one engine option, from its declaration."""
    flag = flag_name(o.name)
    helptext = o.help
    if o.choices:
        helptext += " One of: " + ", ".join(o.choices) + "."
    annotation: Any
    if o.kind == "bool":
        default = typer.Option(bool(o.default), f"{flag}/--no-{flag[2:]}", help=helptext)
        annotation = bool
    elif o.kind == "days_list":
        first = o.default if isinstance(o.default, list | tuple) else [o.default]
        default = typer.Option([float(x) for x in first], flag,
                               help=helptext + " Repeat the flag for several periods.")
        annotation = list[float]
    elif o.kind in _NUMBER_TEXT:
        default = typer.Option(_text(o.default), flag, help=helptext + (
            " A number of days, or two separated by a comma." if o.kind != "days" else ""))
        annotation = str
    elif o.kind == "impute":
        default = typer.Option(float(o.default), flag, help=helptext)
        annotation = float
    elif o.kind == "seed":
        default = typer.Option(o.default, flag, help=helptext)
        annotation = int | None
    elif o.kind == "intervals":
        default = typer.Option(o.default, flag, help=helptext + ' JSON, e.g. \'{"prec": [0, 0], '
                               '"event": [90, 30], "conf": [90, 30]}\'.')
        annotation = str | None
    elif o.kind == "ids":
        default = typer.Option(o.default, flag, help=helptext + " Comma-separated.")
        annotation = str | None
    else:  # choice, column, policy: text
        default = typer.Option(o.default, flag, help=helptext)
        annotation = str | None if o.default is None else str
    return inspect.Parameter(o.name.lower(), inspect.Parameter.KEYWORD_ONLY, default=default,
                             annotation=annotation)


def _engine_value(o: Option, value: Any) -> Any:
    """A flag's value as the engine takes it."""
    if o.kind in _NUMBER_TEXT:
        return parse_number_or_pair(o.name, value)
    if o.kind == "days_list":
        return list(value)
    if o.kind == "intervals" and value is not None:
        try:
            return json.loads(value)
        except json.JSONDecodeError as exc:
            raise OptionError(f"{flag_name(o.name)} must be JSON: {exc}") from exc
    if o.kind == "ids" and value is not None:
        return [x.strip() for x in value.split(",")]
    return value


def _outcomes(
    *,
    db: Path,
    out: Path,
    describe: bool,
    study: Path | None,
    unconfirmed: Path | None,
    **flags: Any,
) -> None:
    """Detect confirmed disability worsening/improvement (PIRA/RAW) in the store's visits."""
    from rich.table import Table

    from msrwe.derive.outcomes import detect_events, make_options
    from msrwe.derive.relapses import filter_confirmed_relapses
    from msrwe.store import Store

    out_folder(out.parent, given=out)
    check_out_file(out, kind=_kind(out), what="events table", inputs=[study], db=db)
    if unconfirmed is not None:
        out_folder(unconfirmed.parent, "--unconfirmed", given=unconfirmed)
        check_out_file(unconfirmed, kind=_kind(unconfirmed), what="events table",
                       option="--unconfirmed", inputs=[study, out], db=db)
    if study is not None:
        _from_study(db, study, flags["outcome"], out, describe)
        return
    options = {o.name: _engine_value(o, flags[o.name.lower()]) for o in FLAG_OPTIONS}
    options["return_unconfirmed"] = unconfirmed is not None
    opts = _as_flags(make_options)(**options)  # every flag checked before the store is read
    with progress() as bar:
        task = bar.add_task("reading the store", total=None)
        with Store(db) as store:
            visits = store.read("visits")
            relapses = store.read_or_none("relapses")
        if relapses is not None:
            relapses = filter_confirmed_relapses(relapses)
        _check_inputs(visits, opts.outcome, options["value_col"], options["subjects"])
        bar.update(task, description="detecting events")
        res = _as_flags(detect_events)(visits, relapses, **options)
    out.parent.mkdir(parents=True, exist_ok=True)
    _write(res.events, out)
    if unconfirmed is not None and res.unconfirmed is not None:
        _write(res.unconfirmed, unconfirmed, option="--unconfirmed")
    ev = res.events
    t = Table(title=f"{opts.outcome.upper()} events ({opts.event}, {opts.baseline} baseline)")
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
        console.print(shown(res.describe()), soft_wrap=True, highlight=False)
    console.print(f"Wrote {res.events.height} events to {shown(out)}")


_FIXED = [
    inspect.Parameter("db", inspect.Parameter.KEYWORD_ONLY, annotation=Path, default=typer.Option(
        Path("msrwe.duckdb"), "--db", help="The DuckDB store to read.")),
    inspect.Parameter("out", inspect.Parameter.KEYWORD_ONLY, annotation=Path, default=typer.Option(
        Path("events.csv"), "--out",
        help="Events file: CSV, Parquet when it ends in .parquet, an Excel workbook when it "
        "ends in .xlsx.")),
    inspect.Parameter("describe", inspect.Parameter.KEYWORD_ONLY, annotation=bool,
                      default=typer.Option(False, "--describe",
                                           help="Print the methods paragraph.")),
    inspect.Parameter("study", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None,
                      default=typer.Option(
        None, "--study", help="A study file (TOML): the events of its cohort under its "
        "\\[outcomes] definitions, from each patient's baseline on (the other options are then "
        "taken from the study file).")),
    inspect.Parameter("unconfirmed", inspect.Parameter.KEYWORD_ONLY, annotation=Path | None,
                      default=typer.Option(None, "--unconfirmed",
                                           help="Also write unconfirmed changes here.")),
]


def _command() -> Any:
    params = [*_FIXED, *(_parameter(o) for o in FLAG_OPTIONS)]

    def outcomes(**kwargs: Any) -> None:
        """Detect confirmed disability worsening/improvement (PIRA/RAW) in the store's visits."""
        _outcomes(**kwargs)

    outcomes.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    outcomes.__annotations__ = {p.name: p.annotation for p in params}
    return guard(outcomes)


#: The ``outcomes`` command, its flags generated from the engine's option declaration.
outcomes = _command()


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
    from msrwe.pipeline import analyze
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
        console.print(shown(result.methods), soft_wrap=True, highlight=False)
    console.print(f"Wrote {events.height} events to {shown(out)}")


def _kind(path: Path) -> str:
    """What ``--out`` asks for, by its extension: Parquet, an Excel workbook, or CSV."""
    return {".parquet": "parquet", ".xlsx": "xlsx"}.get(path.suffix.lower(), "csv")


def _write(df: pl.DataFrame, path: Path, option: str = "--out") -> None:
    """Write an events table atomically: Parquet, a real xlsx workbook, or CSV (formulas inert).

    Python opens the file, so a path the system refuses (/proc/self/x.csv) is an OSError with
    the path (a clear message from guard), never an abort inside the native writer.
    """
    from msrwe._csvsafe import neutralise_formulas

    kind = _kind(path)
    check_same_header(path, list(df.columns), what="events table", option=option)
    with atomic_path(path) as tmp, tmp.open("wb") as f:
        if kind == "parquet":
            df.write_parquet(f)
        elif kind == "xlsx":
            df.write_excel(f, worksheet="events")
        else:
            neutralise_formulas(df).write_csv(f)


def register(app: typer.Typer) -> None:
    """Add the ``outcomes`` command to ``app``."""
    app.command("outcomes")(outcomes)
