"""The plain frames the figures draw, from an analysis's datasets or straight from the store.

Figures take a few plainly named columns (``patient_id``, ``days``, ``value``, ``group``, ...).
:func:`from_analysis` builds them from the derived datasets of
:class:`~msrwe.analysis.result.AnalysisResult` (time zero: each patient's first dose);
:func:`from_store` builds them from the chart tables when no analysis ran (time zero: each
patient's first visit or dose, whichever is earlier).

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> visits = pl.DataFrame({"patient_id": ["1", "1"], "date": [d(2020, 1, 1), d(2021, 1, 1)],
...                        "edss": [6.0, 6.5]})
>>> fi = FigureInputs.build(visits=visits, start=_first_dates(visits))
>>> fi.visits.get_column("days").to_list()
[0, 366]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import polars as pl

from msrwe.stats import DEFAULT_MIN_AT_RISK
from msrwe.store import read_table, table_names

__all__ = [
    "CHART_NAMES",
    "MEASURES",
    "FigureInputs",
    "Frame",
    "column_names",
    "dataset_frame",
    "from_analysis",
    "from_charts",
    "from_store",
    "results_window",
]

#: The chart tables the data report draws.
CHART_NAMES: tuple[str, ...] = (
    "patients", "visits", "administrations", "adverse_events", "relapses",
)

#: Visit measures drawn as trajectories: (column, label, y-axis label, cap for "unable").
#: The two-hand 9-hole peg test (``nhpt_s``, the harmonic mean the analysis uses) replaces the
#: per-hand figures when the visits carry it.
MEASURES: tuple[tuple[str, str, str, float | None], ...] = (
    ("t25fw_s", "Timed 25-foot walk", "Seconds", 180.0),
    ("nhpt_s", "9-hole peg test, both hands (harmonic mean)", "Seconds", 300.0),
    ("nhpt_dominant_s", "9-hole peg test, dominant hand", "Seconds", 300.0),
    ("nhpt_nondominant_s", "9-hole peg test, non-dominant hand", "Seconds", 300.0),
)


#: A frame the figures draw: in memory, or a lazy query (a bundle's dataset, read only as far
#: as a figure asks; issue 14: a million patients' visits do not fit in memory many times).
Frame: TypeAlias = pl.DataFrame | pl.LazyFrame


def column_names(frame: Frame) -> list[str]:
    """The columns of a frame or of a lazy query (from its schema: nothing is read).

    Examples
    --------
    >>> column_names(pl.DataFrame({"a": [1]}).lazy())
    ['a']
    """
    if isinstance(frame, pl.LazyFrame):
        return frame.collect_schema().names()
    return frame.columns


def _is_empty(frame: Frame) -> bool:
    if isinstance(frame, pl.LazyFrame):  # a scan counts its rows from the file's metadata
        return int(frame.select(pl.len()).collect().item()) == 0
    return frame.is_empty()


def dataset_frame(datasets: Mapping[str, Any], name: str) -> pl.LazyFrame | None:
    """One dataset of an analysis as a lazy query; ``None`` when the analysis has none.

    A bundle's datasets (:class:`msrwe.pipeline.bundle.BundleDatasets`, anything with a
    ``scan(name)`` method) are scanned, so a query reads only the columns and rows it uses;
    a frame in memory is queried where it is.

    Examples
    --------
    >>> dataset_frame({"adsl": pl.DataFrame({"patient_id": ["1"]})}, "adsl").collect().height
    1
    >>> dataset_frame({}, "adsl") is None
    True
    """
    if name not in datasets:
        return None
    scan = getattr(datasets, "scan", None)
    if callable(scan):
        return scan(name)
    df = datasets[name]
    return None if df is None else df.lazy()


def _first_dates(df: Frame, date: str = "date") -> Frame:
    return df.group_by("patient_id").agg(pl.col(date).min().alias("start"))


def _with_days(df: Frame | None, start: Frame, date: str) -> Frame | None:
    """Add ``days`` since each patient's start (keeps ``days`` when the frame has it)."""
    if df is None or "patient_id" not in column_names(df) or _is_empty(df):
        return None
    if "days" in column_names(df):
        return df
    if date not in column_names(df):
        return None
    return df.join(start, on="patient_id", how="inner", maintain_order="left").with_columns(
        (pl.col(date) - pl.col("start")).dt.total_days().alias("days")
    )


@dataclass(frozen=True)
class FigureInputs:
    """What the figures draw; any frame may be ``None`` when the data lack it.

    A frame is in memory (:func:`from_charts`) or a lazy query (:func:`from_analysis`): each
    figure collects only what it draws, aggregating the rest in the query (issue 14, item 1).

    Attributes
    ----------
    visits
        ``patient_id, days`` and the visit measures (``edss``, ``t25fw_s``, ...), ``group``.
    tte
        ``time_days, event`` (and ``group``) for time to confirmed worsening.
    doses
        ``patient_id, days, interval_days``.
    adverse_events, relapses
        ``patient_id, days`` (adverse events also ``serious``).
    followup
        ``patient_id, end_days`` (and ``group``).
    window
        The regimen's expected dose interval in days, when the study states one.
    origin
        What day 0 of the time axis is (``"the first dose"``), for the axis labels.
    min_at_risk
        Kaplan-Meier curves stop where fewer than this many patients remain at risk (the
        study's ``[analysis] km_min_at_risk``).
    """

    visits: Frame | None = None
    tte: Frame | None = None
    doses: Frame | None = None
    adverse_events: Frame | None = None
    relapses: Frame | None = None
    followup: Frame | None = None
    window: tuple[float, float] | None = None
    origin: str = "the first dose"
    notes: list[str] = field(default_factory=list)
    min_at_risk: int = DEFAULT_MIN_AT_RISK
    #: Every dataset of the analysis, by name (figures of analyses with their own datasets,
    #: e.g. the comparison's ``adcmpps`` and ``adcmptte``); read through
    #: :func:`dataset_frame` to read only what a figure uses.
    datasets: Mapping[str, pl.DataFrame] = field(default_factory=dict)
    #: Patients are named by pseudonyms (``msrwe report --deidentify``): the swimmer plot
    #: labels its bars with them.
    pseudonymised: bool = False

    @property
    def years_label(self) -> str:
        """The label of a time axis in years: ``"Years since the first dose"``."""
        return f"Years since {self.origin}"

    @classmethod
    def build(
        cls,
        *,
        start: Frame,
        visits: Frame | None = None,
        tte: Frame | None = None,
        doses: Frame | None = None,
        adverse_events: Frame | None = None,
        relapses: Frame | None = None,
        groups: Frame | None = None,
        followup_days: Frame | None = None,
        window: tuple[float, float] | None = None,
    ) -> FigureInputs:
        """Put every frame on one time axis (days since ``start``) and attach groups.

        Frames in memory give frames in memory; lazy queries give lazy queries (nothing is
        read here but the row counts of the frames given).

        Parameters
        ----------
        start
            ``patient_id, start`` (the date of day 0 for each patient).
        visits, doses, adverse_events, relapses
            Frames with ``patient_id`` and a date (``date`` or ``onset_date``) or ``days``.
        tte
            ``time_days, event`` rows (already on the time axis).
        groups
            ``patient_id, group`` to colour and split the figures.
        followup_days
            ``patient_id, end_days`` when known; otherwise the last day seen in any frame.
        window
            The regimen's expected interval between doses, in days.

        Returns
        -------
        FigureInputs
        """
        given = (start, visits, tte, doses, adverse_events, relapses, groups, followup_days)
        if any(isinstance(f, pl.LazyFrame) for f in given):  # one kind of frame throughout
            (start, visits, tte, doses, adverse_events, relapses, groups, followup_days) = (
                None if f is None else f.lazy() for f in given)
        v = _with_days(visits, start, "date")
        d = _with_days(doses, start, "date")
        if d is not None and "interval_days" not in column_names(d):
            d = d.sort("patient_id", "days").with_columns(
                pl.col("days").diff().over("patient_id").alias("interval_days")
            )
        ae = _with_days(adverse_events, start, "onset_date")
        rel = _with_days(relapses, start, "onset_date")
        ends = [f.select("patient_id", pl.col("days").cast(pl.Float64).alias("end_days"))
                for f in (v, d, ae, rel) if f is not None]
        if followup_days is not None:
            ends.append(followup_days.select("patient_id",
                                             pl.col("end_days").cast(pl.Float64)))
        fu = (
            pl.concat(ends).group_by("patient_id").agg(pl.col("end_days").max())
            if ends else None
        )
        if fu is not None:
            fu = fu.join(start.select("patient_id"), on="patient_id", how="semi")
        if groups is not None:
            g = groups.select("patient_id", pl.col("group").cast(pl.String))
            if v is not None and "group" not in column_names(v):
                v = v.join(g, on="patient_id", how="left")
            if fu is not None:
                fu = fu.join(g, on="patient_id", how="left")
            if (tte is not None and "group" not in column_names(tte)
                    and "patient_id" in column_names(tte)):
                tte = tte.join(g, on="patient_id", how="left")
        return cls(visits=v, tte=tte, doses=d, adverse_events=ae, relapses=rel, followup=fu,
                   window=window)


def _window(study: dict) -> tuple[float, float] | None:
    iv = (study.get("exposure") or {}).get("interval_days")
    if iv and len(iv) == 2 and all(v is not None for v in iv):
        return float(iv[0]), float(iv[1])
    return None


def results_window(
    results: pl.DataFrame | None, analysis: str
) -> tuple[float, float] | None:
    """The regimen window the analysis used: stats ``window_low`` and ``window_high``.

    The exposure analysis writes the window in force on its ``dose_intervals`` rows, whether
    the study set it (``exposure.interval_days``) or it came from the drug's known regimen
    (56-77 days for intrathecal methotrexate). The ``overall`` group's window is preferred,
    then the first group's in the order of the results table.

    Parameters
    ----------
    results
        The long results table (``None`` when there is none).
    analysis
        The analysis whose rows carry the window.

    Returns
    -------
    tuple of float, or None
        ``(low, high)`` in days; ``None`` when no row of ``analysis`` has both stats.

    Examples
    --------
    >>> from msrwe.tables.results import ResultsTable
    >>> r = ResultsTable()
    >>> r.add_stats("dose_intervals", "overall", "interval_days", "",
    ...             {"n": 40, "window_low": 56, "window_high": 77})
    >>> results_window(r.to_polars(), "dose_intervals")
    (56.0, 77.0)
    >>> results_window(ResultsTable().to_polars(), "dose_intervals") is None
    True
    """
    if results is None or results.is_empty():
        return None
    rows = results.filter(
        (pl.col("analysis") == analysis)
        & pl.col("stat").is_in(["window_low", "window_high"])
        & pl.col("value").is_not_null()
        & pl.col("value").is_not_nan()
    )
    found: dict[str, dict[str, float]] = {}
    for group, stat, value in rows.select("group", "stat", "value").iter_rows():
        found.setdefault(group, {}).setdefault(stat, float(value))
    complete = [g for g, st in found.items() if len(st) == 2]
    if not complete:
        return None
    st = found["overall" if "overall" in complete else complete[0]]
    return st["window_low"], st["window_high"]


def from_charts(
    charts: Mapping[str, pl.DataFrame | None], *, window: tuple[float, float] | None = None
) -> FigureInputs:
    """Figure inputs from the chart tables alone (the data report).

    Parameters
    ----------
    charts
        Chart tables by name (``patients``, ``visits``, ``administrations``,
        ``adverse_events``, ``relapses``); ``None`` or absent when the store lacks one.
    window
        The regimen window, when known.

    Returns
    -------
    FigureInputs
        Day 0 is each patient's earliest visit or dose; groups are phenotypes.
    """
    visits = charts.get("visits")
    doses = charts.get("administrations")
    dated = [f.select("patient_id", "date") for f in (visits, doses) if f is not None]
    if not dated:
        return FigureInputs(notes=["The store has neither visits nor administrations."])
    start = _first_dates(pl.concat(dated))
    patients = charts.get("patients")
    groups = None
    if patients is not None and "phenotype" in patients.columns:
        groups = patients.select("patient_id", pl.col("phenotype").fill_null("unknown")
                                 .alias("group"))
    fi = FigureInputs.build(
        start=start, visits=visits, doses=doses, adverse_events=charts.get("adverse_events"),
        relapses=charts.get("relapses"), groups=groups, window=window,
    )
    return dataclasses.replace(fi, origin="the patient's first charted visit or dose")


def from_store(db: str | Path, *, study: dict | None = None) -> FigureInputs:
    """Figure inputs from a store's chart tables (reads them, then :func:`from_charts`)."""
    names = table_names(db)
    charts = {t: read_table(db, t) if t in names else None for t in CHART_NAMES}
    return from_charts(charts, window=_window(study or {}))


def _pick(df: Frame, *candidates: str) -> str | None:
    return next((c for c in candidates if c in column_names(df)), None)


def from_analysis(
    datasets: Mapping[str, pl.DataFrame],
    *,
    window: tuple[float, float] | None = None,
    min_at_risk: int = DEFAULT_MIN_AT_RISK,
) -> FigureInputs:
    """Figure inputs from an analysis's derived datasets (day 0: each patient's first dose).

    Parameters
    ----------
    datasets
        ``adsl`` (``patient_id``, ``group``, ``first_dose``), ``advs``, ``addose``, ``adae``,
        ``adtte``, ``adrel`` as in :attr:`msrwe.analysis.result.AnalysisResult.datasets`.
    window
        The dose-interval window in force (:attr:`msrwe.analysis.result.InForce.interval_days`).
    min_at_risk
        Where Kaplan-Meier curves stop (the study's ``[analysis] km_min_at_risk``).

    Returns
    -------
    FigureInputs
        Lazy queries of the datasets: each figure reads what it draws (for a bundle, only
        those columns of the files).
    """
    adsl = dataset_frame(datasets, "adsl")
    if adsl is None or _is_empty(adsl):
        return FigureInputs(notes=["The analysis returned no per-patient dataset."])
    addose = dataset_frame(datasets, "addose")
    first = _pick(adsl, "first_dose", "first_dose_date", "trtsdt")
    if first is not None:
        start = adsl.select("patient_id", pl.col(first).alias("start"))
    elif addose is not None and "date" in column_names(addose):
        start = _first_dates(addose)
    else:
        return FigureInputs(notes=["The analysis datasets give no first-dose date."])
    groups = adsl.select("patient_id", "group") if "group" in column_names(adsl) else None
    tte = dataset_frame(datasets, "adtte")
    if tte is not None and "param" in column_names(tte) and not _is_empty(tte):
        params = tte.select(pl.col("param").unique()).collect().get_column("param").to_list()
        cdw = sorted(str(p) for p in params if p and "cdw" in str(p).lower())
        edss = [p for p in cdw if "edss" in p.lower()]
        pick = (edss or cdw or sorted(str(p) for p in params if p is not None) or [None])[0]
        tte = tte.filter(pl.col("param") == pick)
    if tte is not None and tte.collect_schema().get("event") == pl.Boolean:
        tte = tte.with_columns(pl.col("event").cast(pl.Int8))
    adae = dataset_frame(datasets, "adae")
    if adae is not None and "patient_id" not in column_names(adae):
        adae = None
    fi = FigureInputs.build(
        start=start, visits=dataset_frame(datasets, "advs"), tte=tte, doses=addose,
        adverse_events=adae, relapses=dataset_frame(datasets, "adrel"), groups=groups,
        window=(float(window[0]), float(window[1])) if window else None,
    )
    return dataclasses.replace(fi, datasets=datasets, min_at_risk=min_at_risk)
