"""Exposure to the study drug: per-dose and per-patient datasets, and cumulative-dose alerts.

Three admiral-style derivations (dataset in, dataset out; the input is never changed or re-sorted):

- :func:`derive_vars_dose` adds to each administration its ``dose_number``, ``interval_days``
  since the previous dose, the dose in mg, mg/m2 (from ``bsa_m2``) and mg/kg (from
  ``weight_kg``), and the running totals.
- :func:`derive_exposure` makes one row per patient and drug: first and last dose, number of doses,
  years on treatment, dose intervals (median, and how many fall inside the regimen's window), and
  cumulative mg, mg/m2 and mg/kg, with the alerts of :func:`derive_exposure_alerts`.
- :func:`derive_exposure_alerts` lists every crossing of a known cumulative limit
  (:data:`DOSE_LIMITS`: mitoxantrone 140 mg/m2 lifetime in the US label and 72 mg/m2 in the EU
  SmPC; cladribine 3.5 mg/kg over two years; clinical-methods section 7).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> adm = pl.DataFrame({
...     "patient_id": ["P1", "P1", "P1"],
...     "date": [dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 5, 20)],
...     "drug": ["methotrexate"] * 3, "dose": [12.5] * 3, "dose_unit": ["mg"] * 3,
...     "bsa_m2": [1.8, 1.8, None], "weight_kg": [70.0] * 3})
>>> derive_vars_dose(adm)["interval_days"].to_list()
[None, 60, 80]
>>> ex = derive_exposure(derive_vars_dose(adm), interval_days=(56, 77))
>>> ex.select("n_doses", "median_interval_days", "n_intervals_in_window", "cum_mg").row(0)
(3, 70.0, 1, 37.5)
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from msrwe.derive._columns import as_text, key_codes, require_columns, sort_unless_sorted
from msrwe.derive._frames import look_up, run_heads
from msrwe.errors import InputError, OptionError, StudyFileError

__all__ = [
    "DOSE_LIMITS",
    "REGIMEN_INTERVALS",
    "DoseLimit",
    "derive_exposure",
    "derive_exposure_alerts",
    "derive_vars_dose",
    "most_given_drug",
    "regimen_interval",
]

_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class DoseLimit:
    """A known cumulative-dose limit of a drug.

    Attributes
    ----------
    limit_id
        Short identifier used as the ``level`` of ``exposure_alerts`` rows.
    drug
        Generic name, lower case.
    basis
        ``"mg_m2"``, ``"mg_kg"`` or ``"mg"``: the cumulative quantity compared.
    limit
        The limit; an alert is raised when the cumulative dose is above it.
    window_days
        ``None`` for a lifetime limit, else the length of the rolling window.
    source
        Where the limit comes from.
    """

    limit_id: str
    drug: str
    basis: str
    limit: float
    window_days: float | None
    source: str

    @property
    def description(self) -> str:
        """E.g. ``"mitoxantrone above 140 mg/m2 (lifetime; US label)"``."""
        unit = {"mg_m2": "mg/m2", "mg_kg": "mg/kg", "mg": "mg"}[self.basis]
        span = "lifetime" if self.window_days is None else f"within {self.window_days:g} days"
        return f"{self.drug} above {self.limit:g} {unit} ({span}; {self.source})"


#: Cumulative limits checked by :func:`derive_exposure_alerts` (clinical-methods section 7).
DOSE_LIMITS: tuple[DoseLimit, ...] = (
    DoseLimit("mitoxantrone_us_140", "mitoxantrone", "mg_m2", 140.0, None, "US label"),
    DoseLimit("mitoxantrone_eu_72", "mitoxantrone", "mg_m2", 72.0, None, "EU SmPC"),
    DoseLimit("cladribine_3.5_2y", "cladribine", "mg_kg", 3.5, 730.5, "label: 3.5 mg/kg / 2 y"),
)

#: Expected days between doses of known regimens: (drug, route) -> (low, high).
#: Intrathecal methotrexate every 8-11 weeks (Stark 2019; clinical-methods section 7).
REGIMEN_INTERVALS: dict[tuple[str, str], tuple[int, int]] = {
    ("methotrexate", "intrathecal"): (56, 77),
}

_UNIT_FACTORS = {"mg": 1.0, "g": 1000.0}
_KNOWN_UNITS = ("mg", "g", "mg/m2", "mg/kg")


def regimen_interval(drug: str, route: str | None) -> tuple[int, int] | None:
    """The expected dose interval of a known regimen, or ``None``.

    Examples
    --------
    >>> regimen_interval("methotrexate", "intrathecal")
    (56, 77)
    >>> regimen_interval("rituximab", "iv") is None
    True
    """
    return REGIMEN_INTERVALS.get((drug.lower(), (route or "").lower()))


def _keys(df: pl.DataFrame, by: tuple[str, ...] | None) -> list[str]:
    if by is None:
        return ["patient_id", "drug"] if "drug" in df.columns else ["patient_id"]
    return list(by)


def derive_vars_dose(
    administrations: pl.DataFrame, *, by: tuple[str, ...] | None = None
) -> pl.DataFrame:
    """Add dose number, interval since the previous dose and doses in mg, mg/m2, mg/kg.

    Parameters
    ----------
    administrations
        One row per dose in the contract's shape (``patient_id``, ``date``, and where known
        ``drug``, ``dose``, ``dose_unit``, ``bsa_m2``, ``weight_kg``).
    by
        Keys of a treatment history; by default ``patient_id`` and ``drug``.

    Returns
    -------
    polars.DataFrame
        The same rows in the same order with ``dose_number`` (1 for the first dose),
        ``interval_days`` (null for the first), ``dose_mg``, ``dose_mg_m2``, ``dose_mg_kg``
        (null when the unit, BSA or weight needed is missing) and the running totals
        ``cum_mg``, ``cum_mg_m2``, ``cum_mg_kg`` (sums of the known doses so far).

    Raises
    ------
    InputError
        When a key or ``date`` is missing, or a ``dose_unit`` is not mg, g, mg/m2 or mg/kg.

    Examples
    --------
    >>> import datetime as dt
    >>> adm = pl.DataFrame({"patient_id": ["P1", "P1"], "drug": ["mitoxantrone"] * 2,
    ...     "date": [dt.date(2020, 4, 1), dt.date(2020, 1, 1)], "dose": [12.0, 12.0],
    ...     "dose_unit": ["mg/m2", "mg/m2"], "bsa_m2": [2.0, 2.0]})
    >>> derive_vars_dose(adm).select("dose_number", "interval_days", "dose_mg", "cum_mg_m2").rows()
    [(2, 91, 24.0, 24.0), (1, None, 24.0, 12.0)]
    """
    keys = _keys(administrations, by)
    require_columns(administrations, "administrations", [*keys, "date"])
    df = administrations.with_row_index("__row")
    for col in ("dose", "bsa_m2", "weight_kg"):
        if col not in df.columns:
            df = df.with_columns(pl.lit(None, dtype=pl.Float64).alias(col))
    if "dose_unit" not in df.columns:
        df = df.with_columns(pl.lit(None, dtype=pl.String).alias("dose_unit"))
    # the unit written as read (trimmed, lower case), worked out once per distinct spelling and
    # looked up per run of equal neighbours (a patient's doses): not once per dose
    given = df.get_column("dose_unit").cast(pl.String)
    spelled = run_heads(given).unique().drop_nulls()
    (norm,) = look_up(given, spelled, [spelled.str.strip_chars().str.to_lowercase()])
    df = df.with_columns(norm.alias("__unit"))
    unit = pl.col("__unit")
    bad = df.filter(unit.is_not_null() & ~unit.is_in(_KNOWN_UNITS))
    if bad.height:
        row = bad.row(0, named=True)
        raise InputError(
            f"administrations row {row['__row'] + 1} (patient {row[keys[0]]}): dose_unit "
            f"{row['dose_unit']!r} is not one of {', '.join(_KNOWN_UNITS)}."
        )
    dose = pl.col("dose").cast(pl.Float64)
    bsa = pl.col("bsa_m2").cast(pl.Float64)
    wt = pl.col("weight_kg").cast(pl.Float64)
    bsa_ok = pl.when(bsa > 0).then(bsa)
    wt_ok = pl.when(wt > 0).then(wt)
    mg = (
        pl.when(unit == "mg")
        .then(dose)
        .when(unit == "g")
        .then(dose * _UNIT_FACTORS["g"])
        .when(unit == "mg/m2")
        .then(dose * bsa_ok)
        .when(unit == "mg/kg")
        .then(dose * wt_ok)
    )
    df = df.with_columns(mg.alias("dose_mg"))
    df = df.with_columns(
        pl.when(pl.col("__unit") == "mg/m2")
        .then(dose)
        .otherwise(pl.col("dose_mg") / bsa_ok)
        .alias("dose_mg_m2"),
        pl.when(pl.col("__unit") == "mg/kg")
        .then(dose)
        .otherwise(pl.col("dose_mg") / wt_ok)
        .alias("dose_mg_kg"),
    )
    # Each history's doses in date order: sorted by integer codes of the keys (any order of the
    # histories will do, since the rows go back to their own order), then the dose number and
    # interval from the history's first row, and the running totals per history.
    codes = [f"__k{i}" for i in range(len(keys))]
    # doses come from the store in patient and date order: usually no sort (and no copy) at all
    part = sort_unless_sorted(
        df.select("__row", "date", "dose_mg", "dose_mg_m2", "dose_mg_kg", *key_codes(keys, codes)),
        [*codes, "date", "__row"],
    )
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    first = pl.any_horizontal([pl.col(c) != pl.col(c).shift(1) for c in codes]).fill_null(True)
    part = part.with_columns(first.alias("__first")).with_columns(
        # a running count: never decreasing, so flagged sorted (grouping over it compares
        # neighbours instead of hashing; the same groups in the same order)
        pl.col("__first").cum_sum().set_sorted().alias("__history"),
        (row - pl.when(pl.col("__first")).then(row).forward_fill() + 1).alias("dose_number"),
        pl.when(~pl.col("__first"))
        .then((pl.col("date") - pl.col("date").shift(1)).dt.total_days())
        .cast(pl.Int64)
        .alias("interval_days"),
    )
    added = part.select(
        "__row", "dose_number", "interval_days",
        *[
            pl.col(f"dose_{b}").fill_null(0.0).cum_sum().over("__history").alias(f"cum_{b}")
            for b in ("mg", "mg_m2", "mg_kg")
        ],
    )
    added = sort_unless_sorted(added, ["__row"]).rechunk()  # one chunk, as a sort gives
    return df.drop("__row", "__unit").hstack(added.drop("__row"))


def derive_exposure_alerts(
    addose: pl.DataFrame,
    *,
    limits: tuple[DoseLimit, ...] = DOSE_LIMITS,
    by: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Every crossing of a cumulative-dose limit, one row per patient, drug and limit.

    Parameters
    ----------
    addose
        Output of :func:`derive_vars_dose` (with ``drug``).
    limits
        The limits to check; by default :data:`DOSE_LIMITS`.
    by
        Keys of a treatment history; by default ``patient_id`` and ``drug``.

    Returns
    -------
    polars.DataFrame
        ``patient_id``, ``drug``, ``limit_id``, ``description``, ``basis``, ``limit``,
        ``value`` (the largest cumulative or windowed dose reached), ``date_crossed`` (the first
        dose at which the limit was passed). Doses whose mg/m2 or mg/kg is unknown count as
        zero, so a crossing is certain while a missing BSA or weight can hide one.

    Examples
    --------
    >>> import datetime as dt
    >>> doses = pl.DataFrame({"patient_id": ["P1"] * 7, "drug": ["mitoxantrone"] * 7,
    ...     "date": [dt.date(2010, 1, 1) + dt.timedelta(days=90 * i) for i in range(7)],
    ...     "dose": [12.0] * 7, "dose_unit": ["mg/m2"] * 7})
    >>> a = derive_exposure_alerts(derive_vars_dose(doses))
    >>> a.select("limit_id", "value", "date_crossed").rows()
    [('mitoxantrone_eu_72', 84.0, datetime.date(2011, 6, 25))]
    """
    keys = _keys(addose, by)
    require_columns(
        addose, "addose", [*keys, "drug", "date", "dose_mg_m2", "dose_mg_kg", "dose_mg"]
    )
    out_schema = {
        "patient_id": addose.schema["patient_id"] if "patient_id" in keys else pl.String,
        "drug": pl.String,
        "limit_id": pl.String,
        "description": pl.String,
        "basis": pl.String,
        "limit": pl.Float64,
        "value": pl.Float64,
        "date_crossed": pl.Date,
    }
    frames = []
    # the drugs given, from the distinct names (not a lower-casing of every dose per limit)
    given = set(addose["drug"].unique().drop_nulls().cast(pl.String).str.to_lowercase().to_list())
    for lim in limits:
        if lim.basis not in ("mg", "mg_m2", "mg_kg"):
            raise OptionError(f"DoseLimit {lim.limit_id!r}: basis must be mg, mg_m2 or mg_kg.")
        if lim.drug not in given:
            continue
        sub = addose.filter(pl.col("drug").cast(pl.String).str.to_lowercase() == lim.drug)
        if sub.height == 0:
            continue
        col = f"dose_{lim.basis}"
        sub = sub.select([*keys, "date", pl.col(col).fill_null(0.0).alias("__d")]).sort(
            [*keys, "date"]
        )
        if lim.window_days is None:
            sub = sub.with_columns(pl.col("__d").cum_sum().over(keys).alias("__c"))
        else:
            # Sum over the doses of the previous window_days, this one included.
            period = f"{int(lim.window_days * 24 * 3600)}s"
            rolled = sub.with_columns(pl.col("date").cast(pl.Datetime("ms")).alias("__t"))
            rolled = rolled.with_columns(
                pl.col("__d").rolling_sum_by("__t", window_size=period).over(keys).alias("__c")
            )
            sub = rolled.drop("__t")
        crossed = sub.filter(pl.col("__c") > lim.limit * (1 + 1e-9))
        if crossed.height == 0:
            continue
        agg = crossed.group_by(keys, maintain_order=True).agg(
            pl.col("date").min().alias("date_crossed")
        )
        peak = sub.group_by(keys).agg(pl.col("__c").max().alias("value"))
        agg = agg.join(peak, on=keys).with_columns(
            pl.lit(lim.drug).alias("drug") if "drug" not in keys else pl.col("drug"),
            pl.lit(lim.limit_id).alias("limit_id"),
            pl.lit(lim.description).alias("description"),
            pl.lit(lim.basis).alias("basis"),
            pl.lit(lim.limit).alias("limit"),
        )
        frames.append(agg.select(list(out_schema)).cast(out_schema))
    if not frames:
        return pl.DataFrame(schema=out_schema)
    return pl.concat(frames).sort("patient_id", "drug", "limit_id")


def derive_exposure(
    addose: pl.DataFrame,
    *,
    interval_days: tuple[int, int] | None = None,
    limits: tuple[DoseLimit, ...] = DOSE_LIMITS,
    by: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """One row per patient and drug summarising exposure (clinical-methods section 7).

    Parameters
    ----------
    addose
        Output of :func:`derive_vars_dose`.
    interval_days
        ``(low, high)`` days between doses that count as on schedule (both included), e.g.
        ``(56, 77)`` for intrathecal methotrexate; ``None`` leaves the window columns null.
    limits
        Cumulative limits checked for the ``n_alerts`` and ``alerts`` columns.
    by
        Keys of a treatment history; by default ``patient_id`` and ``drug``.

    Returns
    -------
    polars.DataFrame
        Keys, ``first_dose``, ``last_dose``, ``n_doses``, ``years_on_treatment``
        (last minus first dose, in years of 365.25 days), ``n_intervals``,
        ``median_interval_days``, ``n_intervals_in_window``, ``pct_intervals_in_window``
        (0-100), ``cum_mg``, ``cum_mg_m2``, ``cum_mg_kg`` (sums of the known doses),
        ``n_doses_unknown_mg``, ``n_doses_unknown_mg_m2``, ``n_doses_unknown_mg_kg``,
        ``n_alerts`` and ``alerts`` (limit ids separated by "; "). Sorted by the keys.

    Raises
    ------
    OptionError
        When ``interval_days`` is not two whole numbers with low <= high.

    Examples
    --------
    >>> import datetime as dt
    >>> adm = pl.DataFrame({"patient_id": ["P1"] * 3, "drug": ["methotrexate"] * 3,
    ...     "date": [dt.date(2020, 1, 1), dt.date(2020, 3, 1), dt.date(2020, 6, 1)],
    ...     "dose": [12.5] * 3, "dose_unit": ["mg"] * 3})
    >>> ex = derive_exposure(derive_vars_dose(adm), interval_days=(56, 77))
    >>> ex.select("n_doses", "n_intervals", "pct_intervals_in_window", "cum_mg").row(0)
    (3, 2, 50.0, 37.5)
    """
    keys = _keys(addose, by)
    require_columns(
        addose, "addose", [*keys, "date", "interval_days", "dose_mg", "dose_mg_m2", "dose_mg_kg"]
    )
    if interval_days is not None:
        ok = (
            isinstance(interval_days, tuple | list)
            and len(interval_days) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in interval_days)
            and 0 <= interval_days[0] <= interval_days[1]
        )
        if not ok:
            raise OptionError(
                "The 'interval_days' parameter of derive_exposure must be two whole numbers "
                f"(low, high) with 0 <= low <= high. Got {interval_days!r} instead."
            )
        lo, hi = interval_days
        in_window = pl.col("interval_days").is_between(lo, hi).sum().cast(pl.Int64)
    else:
        in_window = pl.lit(None, dtype=pl.Int64)
    n_int = pl.col("interval_days").count().cast(pl.Int64)
    out = addose.group_by(keys).agg(
        pl.col("date").min().alias("first_dose"),
        pl.col("date").max().alias("last_dose"),
        pl.len().cast(pl.Int64).alias("n_doses"),
        ((pl.col("date").max() - pl.col("date").min()).dt.total_days() / _DAYS_PER_YEAR).alias(
            "years_on_treatment"
        ),
        n_int.alias("n_intervals"),
        pl.col("interval_days").median().cast(pl.Float64).alias("median_interval_days"),
        in_window.alias("n_intervals_in_window"),
        *[pl.col(f"dose_{b}").sum().alias(f"cum_{b}") for b in ("mg", "mg_m2", "mg_kg")],
        *[
            pl.col(f"dose_{b}").null_count().cast(pl.Int64).alias(f"n_doses_unknown_{b}")
            for b in ("mg", "mg_m2", "mg_kg")
        ],
    )
    out = as_text(out).with_columns(  # one row per patient: the drug as text, as charted
        pl.when(pl.col("n_intervals") > 0)
        .then(100.0 * pl.col("n_intervals_in_window") / pl.col("n_intervals"))
        .alias("pct_intervals_in_window"),
        # A total is unknown (null) when no dose of the patient had the quantity.
        *[
            pl.when(pl.col(f"n_doses_unknown_{b}") < pl.col("n_doses"))
            .then(pl.col(f"cum_{b}"))
            .alias(f"cum_{b}")
            for b in ("mg", "mg_m2", "mg_kg")
        ],
    )
    alerts = (
        derive_exposure_alerts(addose, limits=limits, by=by)
        if "drug" in addose.columns
        else pl.DataFrame(schema={"patient_id": addose.schema.get("patient_id", pl.String),
                                  "limit_id": pl.String})
    )
    akeys = [k for k in keys if k in alerts.columns]
    summary = alerts.group_by(akeys).agg(
        pl.len().cast(pl.Int64).alias("n_alerts"),
        pl.col("limit_id").sort().str.join("; ").alias("alerts"),
    )
    out = out.join(summary, on=akeys, how="left").with_columns(
        pl.col("n_alerts").fill_null(0), pl.col("alerts").fill_null("")
    )
    cols = [
        *keys,
        "first_dose",
        "last_dose",
        "n_doses",
        "years_on_treatment",
        "n_intervals",
        "median_interval_days",
        "n_intervals_in_window",
        "pct_intervals_in_window",
        "cum_mg",
        "cum_mg_m2",
        "cum_mg_kg",
        "n_doses_unknown_mg",
        "n_doses_unknown_mg_m2",
        "n_doses_unknown_mg_kg",
        "n_alerts",
        "alerts",
    ]
    return out.select(cols).sort(keys)


def most_given_drug(administrations: pl.DataFrame) -> str:
    """The drug with the most administrations (ties go to the first name alphabetically).

    Examples
    --------
    >>> most_given_drug(pl.DataFrame({"drug": ["rituximab", "methotrexate", "methotrexate"]}))
    'methotrexate'
    """
    require_columns(administrations, "administrations", ["drug"])
    counts = (
        administrations.filter(pl.col("drug").is_not_null())
        .group_by("drug")
        .len()
        .sort(["len", "drug"], descending=[True, False])
    )
    if counts.height == 0:
        raise StudyFileError("the store holds no administration, so there is no drug to analyse.")
    return str(counts["drug"][0])
