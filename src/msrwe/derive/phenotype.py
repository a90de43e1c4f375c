"""A data-driven MS phenotype beside the charted one.

The charted phenotype reflects a clinician's judgement at some moment; real-world analyses of
progressive MS also want an objective, reproducible one. :func:`derive_phenotype` applies the
Lorscheider 2016 SPMS conversion rule (clinical-methods.md §5.2; see
:mod:`msrwe.derive.outcomes.spms`) to each patient's visits and adds two columns to the patients
table, admiral style (same rows, same order, new columns):

``spms_conversion_date_derived``
    The first date the rule is met, or null.
``phenotype_derived``
    * ``"PPMS"`` when the chart says PPMS (or the retired PRMS): progressive from onset, the
      conversion rule does not apply (Lublin 2014, §5.1);
    * ``"SPMS"`` when the rule finds a conversion and the chart does not say PPMS;
    * otherwise the relapsing-onset phenotype the data support: ``"CIS"`` for a charted CIS,
      ``"RRMS"`` for a charted RRMS;
    * for a charted SPMS the rule did not confirm, never a less advanced course than the chart
      states (issue 9, item 9): ``"SPMS (charted, conversion before follow-up)"`` when the
      charted ``spms_conversion_date`` is on or before the first visit with an EDSS (the rule
      cannot see a conversion that predates the visits), otherwise ``"indeterminate"``;
    * null when the patient has no visit with an EDSS (nothing to judge), or when the charted
      phenotype is empty and the rule finds no conversion (the onset course is unknown).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> patients = pl.DataFrame({"patient_id": ["a", "b"], "phenotype": ["RRMS", "PPMS"]})
>>> visits = pl.DataFrame({
...     "patient_id": ["a", "a", "a", "b", "b"],
...     "date": [dt.date(2018, 1, 1), dt.date(2019, 1, 1), dt.date(2019, 6, 1),
...              dt.date(2018, 1, 1), dt.date(2019, 1, 1)],
...     "edss": [3.0, 4.0, 4.0, 4.0, 6.0],
...     "fs_pyramidal": [1, 2, 2, 2, 4],
... })
>>> derive_phenotype(patients, visits).select(
...     "patient_id", "phenotype", "phenotype_derived", "spms_conversion_date_derived").rows()
[('a', 'RRMS', 'SPMS', datetime.date(2019, 1, 1)), ('b', 'PPMS', 'PPMS', None)]
"""

from __future__ import annotations

import polars as pl

from msrwe.derive.outcomes.msoutcomes_spms import MSOutcomesSpms
from msrwe.derive.outcomes.spms import (
    LORSCHEIDER_2016,
    SpmsDefinition,
    derive_spms_conversion,
)
from msrwe.derive.outcomes.spms_inputs import prepare_table
from msrwe.errors import InputError
from msrwe.schema import PHENOTYPE_ALIASES
from msrwe.schema import PHENOTYPES as _CONTRACT_PHENOTYPES

__all__ = ["CHARTED_BEFORE_FOLLOW_UP", "INDETERMINATE", "PHENOTYPES", "derive_phenotype",
           "describe_phenotype"]

#: Charted phenotypes this derivation reads: the contract's (``msrwe.schema.PHENOTYPES``) and the
#: retired ones it recodes (PRMS is read as PPMS).
PHENOTYPES: tuple[str, ...] = (*_CONTRACT_PHENOTYPES, *PHENOTYPE_ALIASES)

_NEW = ("phenotype_derived", "spms_conversion_date_derived")

#: ``phenotype_derived`` of a charted SPMS whose charted conversion predates the visits.
CHARTED_BEFORE_FOLLOW_UP = "SPMS (charted, conversion before follow-up)"
#: ``phenotype_derived`` of a charted SPMS the visits neither confirm nor date.
INDETERMINATE = "indeterminate"


def describe_phenotype(definition: SpmsDefinition | MSOutcomesSpms = LORSCHEIDER_2016) -> str:
    """Return the methods sentences for :func:`derive_phenotype` under ``definition``.

    Examples
    --------
    >>> describe_phenotype().startswith("A data-driven phenotype")
    True
    """
    return (
        "A data-driven phenotype was derived beside the charted one: patients charted as PPMS "
        "kept PPMS; any other patient meeting the SPMS conversion rule was classed as SPMS from "
        "the conversion date; the others kept their relapsing-onset phenotype (RRMS for those "
        "charted RRMS, CIS for CIS). A charted SPMS the rule did not confirm was never relabelled "
        "RRMS: it was 'SPMS (charted, conversion before follow-up)' when the charted conversion "
        "date was on or before the first EDSS visit, and 'indeterminate' otherwise. Patients "
        "without an EDSS were not classed. "
        + definition.describe()
    )


def derive_phenotype(
    patients: pl.DataFrame,
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    *,
    definition: SpmsDefinition | MSOutcomesSpms = LORSCHEIDER_2016,
) -> pl.DataFrame:
    """Add ``phenotype_derived`` and ``spms_conversion_date_derived`` to the patients table.

    Parameters
    ----------
    patients
        The chart patients table (``patient_id``; ``phenotype`` when charted, else all empty).
    visits
        Chart visits with ``patient_id``, ``date``, ``edss``, ``fs_pyramidal`` and, when charted,
        the other ``fs_*`` grades.
    relapses
        Chart relapses, or ``None`` when none are charted.
    definition
        The SPMS conversion rule's parameters (default: Lorscheider 2016 as documented in
        :mod:`msrwe.derive.outcomes.spms`); ``MSOutcomesSpms()`` uses the MSoutcomes profile
        (``spmsDx`` of MSoutcomes 0.2.1; ``MSOutcomesSpms(fss=False)``: ``spmsDx_no_fss``).

    Returns
    -------
    polars.DataFrame
        ``patients`` with the two new columns, same rows in the same order. Visits of patients
        absent from ``patients`` are ignored.

    Raises
    ------
    InputError
        When ``patients`` already has one of the new columns, has a duplicated ``patient_id``,
        or a phenotype outside CIS, RRMS, SPMS, PPMS, PRMS.

    Examples
    --------
    >>> import datetime as dt
    >>> p = pl.DataFrame({"patient_id": ["c"], "phenotype": [None]}, schema_overrides={
    ...     "phenotype": pl.String})
    >>> v = pl.DataFrame({"patient_id": ["c"], "date": [dt.date(2020, 1, 1)], "edss": [2.0],
    ...                   "fs_pyramidal": [1]})
    >>> derive_phenotype(p, v)["phenotype_derived"].to_list()
    [None]
    """
    func = "derive_phenotype"
    pts = prepare_table(patients, "patients", required=["patient_id"], date_cols=[], func=func)
    clash = [c for c in _NEW if c in pts.columns]
    if clash:
        raise InputError(
            f"patients: column(s) {', '.join(clash)} already exist; derive_phenotype adds them "
            "and will not overwrite them. Drop them first."
        )
    dup = pts["patient_id"].is_duplicated()
    if dup.any():
        row = int(dup.arg_max() or 0)
        raise InputError(
            f"patients: row {row + 1}, column 'patient_id': value {pts['patient_id'][row]!r} "
            "appears more than once (rule: unique)."
        )
    if "phenotype" in pts.columns:
        charted = pts["phenotype"].cast(pl.String).str.strip_chars().str.to_uppercase()
        bad = charted.is_not_null() & ~charted.is_in(PHENOTYPES)
        if bad.any():
            row = int(bad.arg_max() or 0)
            raise InputError(
                f"patients: row {row + 1}, column 'phenotype': value {pts['phenotype'][row]!r} "
                f"is not a phenotype (rule: {', '.join(PHENOTYPES[:-1])} or {PHENOTYPES[-1]})."
            )
    else:
        charted = pl.Series("phenotype", [None] * pts.height, dtype=pl.String)
    conv = derive_spms_conversion(visits, relapses, definition=definition)
    assessed = (
        prepare_table(visits, "visits", required=["patient_id"], date_cols=[], func=func)
        .filter(pl.col("edss").is_not_null())
        .group_by("patient_id")
        .agg(pl.col("date").min().cast(pl.Date).alias("_first_visit"))
        .with_columns(pl.lit(True).alias("_assessed"))
    )
    charted_date = (pts["spms_conversion_date"].cast(pl.Date, strict=False)
                    if "spms_conversion_date" in pts.columns
                    else pl.Series([None] * pts.height, dtype=pl.Date))
    info = (
        pl.DataFrame({"patient_id": pts["patient_id"], "_charted": charted,
                      "_charted_date": charted_date})
        .join(conv.select("patient_id", "spms_conversion_date"), on="patient_id", how="left",
              maintain_order="left")
        .join(assessed, on="patient_id", how="left", maintain_order="left")
    )
    progressive_onset = pl.col("_charted").is_in(
        ["PPMS", *(old for old, (new, _) in PHENOTYPE_ALIASES.items() if new == "PPMS")]
    )
    derived = (
        pl.when(progressive_onset)
        .then(pl.lit("PPMS"))
        .when(pl.col("_assessed").is_null())
        .then(pl.lit(None, dtype=pl.String))
        .when(pl.col("spms_conversion_date").is_not_null())
        .then(pl.lit("SPMS"))
        .when(pl.col("_charted") == "CIS")
        .then(pl.lit("CIS"))
        .when(pl.col("_charted") == "RRMS")
        .then(pl.lit("RRMS"))
        .when((pl.col("_charted") == "SPMS")
              & (pl.col("_charted_date") <= pl.col("_first_visit")))
        .then(pl.lit(CHARTED_BEFORE_FOLLOW_UP))
        .when(pl.col("_charted") == "SPMS")
        .then(pl.lit(INDETERMINATE))
        .otherwise(pl.lit(None, dtype=pl.String))
    )
    info = info.select(
        derived.alias("phenotype_derived"),
        pl.when(progressive_onset)
        .then(pl.lit(None, dtype=pl.Date))
        .otherwise(pl.col("spms_conversion_date"))
        .alias("spms_conversion_date_derived"),
    )
    return pl.concat([patients, info], how="horizontal")
