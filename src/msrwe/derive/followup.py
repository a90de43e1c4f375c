"""The end of on-treatment follow-up per patient, shared by the endpoint derivations.

Relapse rates, MRI activity, NEDA and the Lublin modifiers all count what happened between the
first dose and the end of follow-up. msrwe defines that end once ([D], reference/endpoints.md
section 6 "define the exposure window exactly"): the **later of the last dose and the last
assessment (visit) up to ``lag_days`` after the last dose**. Doses are clinic contacts (for
intrathecal treatment a neurologist gives each one), so the window never ends before the last dose.

Examples
--------
>>> import datetime as dt
>>> d = dt.date
>>> adsl = pl.DataFrame({"patient_id": ["a", "b"], "first_dose": [d(2020, 1, 1)] * 2,
...                      "last_dose": [d(2021, 1, 1), d(2021, 1, 1)]})
>>> visits = pl.DataFrame({"patient_id": ["a", "a", "b"],
...                        "date": [d(2021, 2, 1), d(2021, 9, 1), d(2020, 6, 1)]})
>>> derive_var_end_date(adsl, visits=visits)["end_date"].to_list()
[datetime.date(2021, 2, 1), datetime.date(2021, 1, 1)]
"""

from __future__ import annotations

import polars as pl

from msrwe.derive._columns import require_columns
from msrwe.derive._frames import looked_up

__all__ = ["derive_var_end_date"]


def derive_var_end_date(
    dataset: pl.DataFrame,
    *,
    visits: pl.DataFrame,
    by: str = "patient_id",
    start: str = "first_dose",
    last_dose: str = "last_dose",
    date: str = "date",
    lag_days: int = 90,
    new_var: str = "end_date",
) -> pl.DataFrame:
    """Add ``new_var``: the later of ``last_dose`` and the last visit up to ``lag_days`` after it.

    Parameters
    ----------
    dataset
        One row per patient with ``by``, ``start`` and ``last_dose``.
    visits
        Assessments (``by``, ``date``); visits before ``start`` are ignored.
    by, start, last_dose, date
        Column names: the patient key, the first dose, the last dose (in ``dataset``) and the
        visit date (in ``visits``).
    lag_days
        Visits up to this many days after the last dose still count as on treatment (90).
    new_var
        The name of the new column.

    Returns
    -------
    polars.DataFrame
        ``dataset`` in its own order with ``new_var`` (a date).
    """
    require_columns(dataset, "dataset", [by, start, last_dose])
    require_columns(visits, "visits", [by, date])
    ref = dataset.select(by, start, last_dose)
    looked = looked_up(ref, by, [start, last_dose], visits.get_column(by))
    if looked is not None:
        # one row per patient (adsl): each visit looks up its patient's two dates, and only the
        # visits kept are written, not a join's copy of a million patients' visits (the same
        # visits as the inner join, filtered)
        keep = visits.select(
            (pl.col(date) >= pl.lit(looked[start]))
            & (pl.col(date) <= pl.lit(looked[last_dose]) + pl.duration(days=lag_days))
        ).to_series()
        kept = visits.select(by, date).filter(keep)
    else:
        kept = visits.select(by, date).join(ref, on=by, how="inner").filter(
            (pl.col(date) >= pl.col(start))
            & (pl.col(date) <= pl.col(last_dose) + pl.duration(days=lag_days))
        )
    last_seen = kept.group_by(by).agg(pl.col(date).max().alias("_last_seen"))
    return (
        dataset.drop([c for c in (new_var,) if c in dataset.columns])
        .join(last_seen, on=by, how="left", maintain_order="left")
        .with_columns(pl.max_horizontal(last_dose, "_last_seen").alias(new_var))
        .drop("_last_seen")
    )
