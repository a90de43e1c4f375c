"""The Lorscheider 2016 objective definition of conversion to secondary progressive MS.

Lorscheider et al. (*Brain* 2016; MSBase) chose, from 576 candidate definitions, the one that best
agreed with neurologists' diagnosis of SPMS (clinical-methods.md §5.2). A patient converts at the
first visit where all four conditions hold:

1. **EDSS worsening** from the last EDSS before that visit (the *reference*): +1.5 when the
   reference is 0, +1.0 when it is 1.0-5.5, +0.5 when it is above 5.5.
2. **No relapse at the time.** Operationalised here as: no confirmed relapse with onset in the
   ``relapse_window_days`` (default 30) days up to and including the worsening visit.
3. **Severity**: EDSS >= 4.0 and pyramidal FS >= 2 at the worsening visit.
4. **Confirmed over >= 3 months, including the leading FS.** The *leading FS* is the functional
   system whose grade rose most from the reference visit to the worsening visit (ties go to the
   first in the order pyramidal, cerebellar, brainstem, sensory, bowel and bladder, visual,
   cerebral; raw grades are compared). Confirmation needs a visit at least
   ``confirmation_days`` (default 90, i.e. 3 months) after the worsening visit at which the EDSS
   still meets the increase of rule 1 and the leading FS is still above its reference grade
   (``leading_fs_confirmation="increase"``) or at least its grade at the worsening visit
   (``"onset"``). Every visit in between must also keep the EDSS increase. Visits within
   ``relapse_window_days`` after a relapse onset are neither used nor held against confirmation;
   a visit whose leading FS was not charted cannot confirm, and the next visit is tried.

The conversion date is the date of the worsening visit (the onset, as for CDW event times, §2.1).
When no FS rose between the reference and the worsening visit there is no leading FS, and rule 4
fails unless ``require_leading_fs=False`` (then the EDSS confirmation alone is enough).
Missing values never satisfy a rule: a visit without a pyramidal FS grade cannot meet rule 3.

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> d = dt.date
>>> visits = pl.DataFrame({
...     "patient_id": ["p1"] * 3,
...     "date": [d(2018, 1, 10), d(2019, 1, 15), d(2019, 6, 1)],
...     "edss": [3.0, 4.0, 4.0],
...     "fs_pyramidal": [1, 2, 2],
... })
>>> out = derive_spms_conversion(visits)
>>> out.select("patient_id", "spms_conversion_date", "spms_leading_fs").row(0)
('p1', datetime.date(2019, 1, 15), 'pyramidal')
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from msrwe.derive.outcomes.msoutcomes_spms import MSOutcomesSpms, derive_spms_msoutcomes
from msrwe.derive.outcomes.spms_inputs import (
    FS_COLUMNS,
    check_days,
    check_edss,
    check_fs,
    check_grade,
    check_number,
    check_unique_dates,
    prepare_relapses,
    prepare_table,
)
from msrwe.derive.outcomes.thresholds import EDSS_LORSCHEIDER
from msrwe.errors import InputError, OptionError

__all__ = [
    "LORSCHEIDER_2016",
    "SpmsDefinition",
    "derive_spms_conversion",
    "evaluate_spms_rule",
    "lorscheider_increase",
]

_RULE_COLS = (
    "rule1_worsening",
    "rule2_no_relapse",
    "rule3_edss_pyramidal",
    "rule4_confirmed",
)


def lorscheider_increase(reference_edss: float) -> float:
    """Return the EDSS increase rule 1 of Lorscheider 2016 requires from ``reference_edss``.

    +1.5 from 0, +1.0 from 1.0 to 5.5, +0.5 above 5.5 (clinical-methods.md §1.4 and §5.2): the
    engine's ``lorscheider`` threshold policy. Note that 5.5 needs +1.0 here, unlike msprog's
    default (+0.5 from 5.5).

    Parameters
    ----------
    reference_edss
        The last EDSS before the visit being judged.

    Returns
    -------
    float
        The required increase.

    Examples
    --------
    >>> [lorscheider_increase(x) for x in (0.0, 1.0, 5.5, 6.0)]
    [1.5, 1.0, 1.0, 0.5]
    """
    return float(EDSS_LORSCHEIDER(float(reference_edss)))


@dataclass(frozen=True)
class SpmsDefinition:
    """The parameters of the Lorscheider 2016 SPMS conversion rule (clinical-methods.md §5.2).

    Parameters
    ----------
    confirmation_days
        Minimum days from the worsening visit to the confirmation visit (3 months: 90).
    relapse_window_days
        A relapse onset within this many days up to a visit means "relapse at the time" (rule 2);
        visits in that window after a relapse are also skipped during confirmation.
    min_edss
        EDSS floor of rule 3.
    min_pyramidal
        Pyramidal FS floor of rule 3.
    leading_fs_confirmation
        ``"increase"``: the leading FS must stay above its reference grade at confirmation;
        ``"onset"``: it must stay at least at its grade at the worsening visit.
    require_leading_fs
        When no FS rose, ``True`` means rule 4 cannot be met; ``False`` lets EDSS alone confirm.
    name
        A short label used in reports.

    Examples
    --------
    >>> LORSCHEIDER_2016.confirmation_days
    90
    >>> SpmsDefinition(confirmation_days=180).describe().count("180 days")
    1
    >>> SpmsDefinition(leading_fs_confirmation="any")
    Traceback (most recent call last):
    ...
    msrwe.errors.OptionError: The 'leading_fs_confirmation' parameter of SpmsDefinition must be \
one of 'increase', 'onset'. Got 'any' instead.
    """

    confirmation_days: int = 90
    relapse_window_days: int = 30
    min_edss: float = 4.0
    min_pyramidal: int = 2
    leading_fs_confirmation: Literal["increase", "onset"] = "increase"
    require_leading_fs: bool = True
    name: str = "Lorscheider 2016"

    def __post_init__(self) -> None:
        f = "SpmsDefinition"
        object.__setattr__(
            self, "confirmation_days", check_days(self.confirmation_days, "confirmation_days", f)
        )
        object.__setattr__(
            self,
            "relapse_window_days",
            check_days(self.relapse_window_days, "relapse_window_days", f),
        )
        object.__setattr__(self, "min_edss", check_number(self.min_edss, "min_edss", f, 0, 10))
        object.__setattr__(
            self, "min_pyramidal", check_grade(self.min_pyramidal, "min_pyramidal", f, 6)
        )
        if self.leading_fs_confirmation not in ("increase", "onset"):
            raise OptionError(
                "The 'leading_fs_confirmation' parameter of SpmsDefinition must be one of "
                f"'increase', 'onset'. Got {self.leading_fs_confirmation!r} instead."
            )
        if not isinstance(self.require_leading_fs, bool):
            raise OptionError(
                "The 'require_leading_fs' parameter of SpmsDefinition must be True or False. "
                f"Got {self.require_leading_fs!r} instead."
            )
        if not isinstance(self.name, str) or not self.name:
            raise OptionError(
                "The 'name' parameter of SpmsDefinition must be a non-empty text. "
                f"Got {self.name!r} instead."
            )

    def replace(self, **changes: Any) -> SpmsDefinition:
        """Return a copy with some parameters changed (validated again).

        Examples
        --------
        >>> LORSCHEIDER_2016.replace(confirmation_days=180).confirmation_days
        180
        """
        return dataclasses.replace(self, **changes)

    def describe(self) -> str:
        """Return a methods sentence stating every parameter of the rule.

        Examples
        --------
        >>> print(LORSCHEIDER_2016.describe())  # doctest: +ELLIPSIS
        Conversion to SPMS was derived with the objective definition of Lorscheider et al. ...
        """
        if self.leading_fs_confirmation == "increase":
            fs_conf = "remained above its grade at the reference visit"
        else:
            fs_conf = "remained at least at its grade at the worsening visit"
        no_fs = (
            "If no functional system rose, the change could not be confirmed."
            if self.require_leading_fs
            else "If no functional system rose, EDSS confirmation alone sufficed."
        )
        label = "" if self.name == "Lorscheider 2016" else f" (definition '{self.name}')"
        return (
            "Conversion to SPMS was derived with the objective definition of Lorscheider et al. "
            f"(Brain 2016){label}: an EDSS increase from the last prior EDSS of 1.5 points from 0, "
            "1.0 point from 1.0-5.5 or 0.5 point above 5.5, with no relapse onset in the "
            f"{self.relapse_window_days} days up to the worsening visit, reaching EDSS >= "
            f"{self.min_edss:.1f} with a pyramidal functional system score >= "
            f"{self.min_pyramidal}, and confirmed at a visit >= {self.confirmation_days} days "
            "later at which the EDSS increase persisted (as at every visit in between) and the "
            "leading functional system (the one whose grade rose most; ties broken in the order "
            f"pyramidal, cerebellar, brainstem, sensory, bowel and bladder, visual, cerebral) "
            f"{fs_conf}. {no_fs} Visits within {self.relapse_window_days} days after a relapse "
            "onset were not used for confirmation. The conversion date is the date of the "
            "worsening visit."
        )


#: The rule as published, with the operational choices documented in this module.
LORSCHEIDER_2016 = SpmsDefinition()


def _prepare_visits(visits: Any, func: str) -> pl.DataFrame:
    v = prepare_table(
        visits, "visits", required=["patient_id", "date"], date_cols=["date"], func=func
    )
    for col in ("edss", "fs_pyramidal"):
        if col not in v.columns:
            raise InputError(
                f"visits: column '{col}' is missing; {func} needs EDSS and the pyramidal "
                "functional system score (Lorscheider 2016, rule 3)."
            )
    check_edss(v)
    check_fs(v)
    check_unique_dates(v)
    return v


def _relapse_days(relapses: pl.DataFrame) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    if relapses.height == 0:
        return out
    rel = relapses.with_columns(pl.col("onset_date").cast(pl.Int32).alias("_d")).sort("_d")
    for (pid,), grp in rel.group_by("patient_id", maintain_order=True):
        out[str(pid)] = grp["_d"].to_numpy()
    return out


def _relapse_near(onsets: np.ndarray | None, day: int, window: int) -> bool:
    """True when a relapse onset falls in ``[day - window, day]``."""
    if onsets is None or onsets.size == 0:
        return False
    lo = np.searchsorted(onsets, day - window, side="left")
    return bool(lo < onsets.size and onsets[lo] <= day)


def _leading_fs(fs: np.ndarray, ref: int, i: int) -> int:
    """Index of the FS with the largest grade increase from visit ``ref`` to ``i``; -1 if none."""
    best, best_inc = -1, 0.0
    for k in range(fs.shape[0]):
        a, b = fs[k, ref], fs[k, i]
        if math.isnan(a) or math.isnan(b):
            continue
        if b - a > best_inc:
            best, best_inc = k, b - a
    return best


def _evaluate_patient(
    days: np.ndarray,
    edss: np.ndarray,
    need: np.ndarray,
    fs: np.ndarray,
    onsets: np.ndarray | None,
    d: SpmsDefinition,
) -> list[tuple[Any, ...]]:
    """Judge every visit of one patient; rows follow the order of ``days`` (sorted)."""
    n = days.size
    rows: list[tuple[Any, ...]] = []
    w = d.relapse_window_days
    prev = -1
    for i in range(n):
        if math.isnan(edss[i]):
            continue
        ref = prev
        prev = i
        if ref < 0:
            rows.append((i, None, None, None, False, False, False, False, None))
            continue
        inc = float(need[ref])
        target = edss[ref] + inc
        r1 = bool(edss[i] >= target)
        r2 = r1 and not _relapse_near(onsets, int(days[i]), w)
        pyr = fs[0, i]
        r3 = r2 and bool(edss[i] >= d.min_edss) and not math.isnan(pyr) and pyr >= d.min_pyramidal
        lead = _leading_fs(fs, ref, i) if r1 else -1
        conf = None
        if r3 and (lead >= 0 or not d.require_leading_fs):
            conf = _confirm(days, edss, fs, onsets, d, ref, i, target, lead)
        rows.append((i, ref, inc, lead, r1, r2, r3, conf is not None, conf))
    return rows


def _confirm(
    days: np.ndarray,
    edss: np.ndarray,
    fs: np.ndarray,
    onsets: np.ndarray | None,
    d: SpmsDefinition,
    ref: int,
    i: int,
    target: float,
    lead: int,
) -> int | None:
    """Index of the visit confirming the worsening at ``i``, or None."""
    w = d.relapse_window_days
    for j in range(i + 1, days.size):
        if math.isnan(edss[j]) or _relapse_near(onsets, int(days[j]), w):
            continue
        if edss[j] < target:
            return None
        if days[j] - days[i] < d.confirmation_days:
            continue
        if lead < 0:
            return j
        g = fs[lead, j]
        if math.isnan(g):
            continue
        floor = fs[lead, ref] + 1 if d.leading_fs_confirmation == "increase" else fs[lead, i]
        return j if g >= floor else None
    return None


_EVAL_SCHEMA: dict[str, pl.DataType] = {
    "patient_id": pl.String(),
    "date": pl.Date(),
    "edss": pl.Float64(),
    "reference_date": pl.Date(),
    "reference_edss": pl.Float64(),
    "required_increase": pl.Float64(),
    "leading_fs": pl.String(),
    "rule1_worsening": pl.Boolean(),
    "rule2_no_relapse": pl.Boolean(),
    "rule3_edss_pyramidal": pl.Boolean(),
    "rule4_confirmed": pl.Boolean(),
    "confirmation_date": pl.Date(),
    "confirmation_edss": pl.Float64(),
}


def evaluate_spms_rule(
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    *,
    definition: SpmsDefinition = LORSCHEIDER_2016,
) -> pl.DataFrame:
    """Judge every EDSS visit against the four conditions of the Lorscheider 2016 rule.

    Parameters
    ----------
    visits
        Chart visits: ``patient_id``, ``date``, ``edss``, ``fs_pyramidal`` and, when charted,
        the other ``fs_*`` grades (data contract). Visits without EDSS are ignored.
    relapses
        Chart relapses (``patient_id``, ``onset_date``, optional ``confirmed``), or ``None``.
    definition
        The rule's parameters; see :class:`SpmsDefinition`.

    Returns
    -------
    polars.DataFrame
        One row per visit with an EDSS, in patient then date order: the visit, its reference
        (the last EDSS before it), the required increase, the leading FS (without the ``fs_``
        prefix), the four rule flags and the confirmation visit. Each flag includes the previous
        ones (rule 2 is true only when rule 1 also holds, and so on); ``rule4_confirmed`` true
        means the visit meets all four, and the patient's first such visit is the conversion.

    Examples
    --------
    >>> import datetime as dt
    >>> v = pl.DataFrame({"patient_id": ["a", "a", "a"],
    ...                   "date": [dt.date(2020, 1, 1), dt.date(2020, 7, 1), dt.date(2020, 9, 1)],
    ...                   "edss": [2.0, 3.0, 3.0], "fs_pyramidal": [1, 2, 2]})
    >>> evaluate_spms_rule(v)["rule1_worsening"].to_list()  # 2.0 -> 3.0, but EDSS < 4.0
    [False, True, False]
    >>> evaluate_spms_rule(v)["rule3_edss_pyramidal"].to_list()
    [False, False, False]
    """
    if not isinstance(definition, SpmsDefinition):
        raise OptionError(
            "The 'definition' parameter of evaluate_spms_rule must be an SpmsDefinition. "
            f"Got {definition!r} instead."
        )
    func = "evaluate_spms_rule"
    v = _prepare_visits(visits, func)
    rel = _relapse_days(prepare_relapses(relapses, func))
    fs_present = [c for c in FS_COLUMNS if c in v.columns]
    v = v.select(
        "patient_id",
        pl.col("date"),
        pl.col("date").cast(pl.Int32).alias("_d"),
        pl.col("edss").cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64) for c in fs_present],
    ).sort("patient_id", "date")
    pids = v["patient_id"].to_numpy()
    dates = v["date"].to_list()
    days_all = v["_d"].to_numpy()
    edss_all = v["edss"].fill_null(float("nan")).to_numpy()
    need_all = EDSS_LORSCHEIDER(edss_all)  # rule 1 increase from each visit as a reference
    fs_all = np.full((len(FS_COLUMNS), v.height), np.nan)
    for k, c in enumerate(FS_COLUMNS):
        if c in fs_present:
            fs_all[k] = v[c].fill_null(float("nan")).to_numpy()
    out: dict[str, list[Any]] = {c: [] for c in _EVAL_SCHEMA}
    start = 0
    while start < v.height:
        stop = start
        while stop < v.height and pids[stop] == pids[start]:
            stop += 1
        pid = str(pids[start])
        days = days_all[start:stop]
        edss = edss_all[start:stop]
        fs = fs_all[:, start:stop]
        for i, ref, inc, lead, r1, r2, r3, r4, conf in _evaluate_patient(
            days, edss, need_all[start:stop], fs, rel.get(pid), definition
        ):
            out["patient_id"].append(pid)
            out["date"].append(dates[start + i])
            out["edss"].append(float(edss[i]))
            out["reference_date"].append(None if ref is None else dates[start + ref])
            out["reference_edss"].append(None if ref is None else float(edss[ref]))
            out["required_increase"].append(inc)
            out["leading_fs"].append(
                FS_COLUMNS[lead].removeprefix("fs_") if lead is not None and lead >= 0 else None
            )
            out["rule1_worsening"].append(r1)
            out["rule2_no_relapse"].append(r2)
            out["rule3_edss_pyramidal"].append(r3)
            out["rule4_confirmed"].append(r4)
            out["confirmation_date"].append(None if conf is None else dates[start + conf])
            out["confirmation_edss"].append(None if conf is None else float(edss[conf]))
        start = stop
    return pl.DataFrame(out, schema=_EVAL_SCHEMA)


_SUMMARY_SCHEMA: dict[str, pl.DataType] = {
    "patient_id": pl.String(),
    "spms_conversion_date": pl.Date(),
    "spms_edss": pl.Float64(),
    "spms_leading_fs": pl.String(),
    "spms_leading_fs_grade": pl.Int64(),
    "spms_reference_date": pl.Date(),
    "spms_reference_edss": pl.Float64(),
    "spms_required_increase": pl.Float64(),
    "spms_confirmation_date": pl.Date(),
    "spms_confirmation_edss": pl.Float64(),
    "spms_rule1_worsening": pl.Boolean(),
    "spms_rule2_no_relapse": pl.Boolean(),
    "spms_rule3_edss_pyramidal": pl.Boolean(),
    "spms_rule4_confirmed": pl.Boolean(),
}


def derive_spms_conversion(
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    *,
    definition: SpmsDefinition | MSOutcomesSpms = LORSCHEIDER_2016,
    profile: str | None = None,
) -> pl.DataFrame:
    """Derive each patient's data-driven SPMS conversion date (Lorscheider 2016, §5.2).

    Parameters
    ----------
    visits
        Chart visits with ``patient_id``, ``date``, ``edss``, ``fs_pyramidal`` and, when charted,
        the other ``fs_*`` grades. The caller's frame is not changed.
    relapses
        Chart relapses (``patient_id``, ``onset_date``, optional ``confirmed``), or ``None``.
    definition
        The rule's parameters; see :class:`SpmsDefinition` and its ``describe()``. An
        :class:`~msrwe.derive.outcomes.msoutcomes_spms.MSOutcomesSpms` selects the MSoutcomes
        profile with those parameters.
    profile
        ``"msoutcomes"`` reproduces ``spmsDx`` of the R package MSoutcomes 0.2.1 and
        ``"msoutcomes_no_fss"`` its ``spmsDx_no_fss``, with their defaults
        (:mod:`msrwe.derive.outcomes.msoutcomes_spms`; their output columns are
        ``patient_id``, ``spms``, ``spms_conversion_date``, ``spms_edss``, ``spms_edss_before``,
        ``msoutcomes_error``). None (default): the rule of this module.

    Returns
    -------
    polars.DataFrame
        One row per patient of ``visits`` (in order of first appearance):
        ``spms_conversion_date`` (null when the rule is never met), the EDSS, leading FS and its
        grade at conversion, the reference visit and required increase, the confirmation visit,
        and four flags ``spms_rule1_worsening`` ... ``spms_rule4_confirmed``: whether any visit
        met rules 1 to k together. They show how far a patient who did not convert got.

    Examples
    --------
    >>> import datetime as dt
    >>> v = pl.DataFrame({
    ...     "patient_id": ["a", "a", "a", "b", "b"],
    ...     "date": [dt.date(2020, 1, 1), dt.date(2021, 1, 1), dt.date(2021, 6, 1),
    ...              dt.date(2020, 1, 1), dt.date(2021, 1, 1)],
    ...     "edss": [5.5, 6.5, 6.5, 4.0, 4.0],
    ...     "fs_pyramidal": [3, 4, 4, 2, 2],
    ... })
    >>> out = derive_spms_conversion(v)
    >>> out.select("patient_id", "spms_conversion_date", "spms_rule1_worsening").rows()
    [('a', datetime.date(2021, 1, 1), True), ('b', None, False)]
    """
    if profile is not None:
        if profile not in ("msoutcomes", "msoutcomes_no_fss"):
            rule = f"must be 'msoutcomes', 'msoutcomes_no_fss' or None. Got {profile!r} instead."
            raise OptionError(f"The 'profile' parameter of derive_spms_conversion {rule}",
                              option="profile", rule=rule)
        definition = MSOutcomesSpms(fss=profile == "msoutcomes")
    if isinstance(definition, MSOutcomesSpms):
        return derive_spms_msoutcomes(visits, relapses, definition=definition)
    ev = evaluate_spms_rule(visits, relapses, definition=definition)
    v = prepare_table(
        visits, "visits", required=["patient_id", "date"], date_cols=["date"],
        func="derive_spms_conversion",
    )
    order = v.select("patient_id").unique(maintain_order=True)
    conv = (
        ev.filter(pl.col("rule4_confirmed"))
        .group_by("patient_id", maintain_order=True)
        .first()
    )
    grades = v.select(
        "patient_id", "date", *[pl.col(c).cast(pl.Int64) for c in FS_COLUMNS if c in v.columns]
    )
    conv = conv.join(grades, on=["patient_id", "date"], how="left")
    lead_grade = pl.lit(None, dtype=pl.Int64)
    for c in FS_COLUMNS:
        if c in conv.columns:
            lead_grade = (
                pl.when(pl.col("leading_fs") == c.removeprefix("fs_"))
                .then(pl.col(c))
                .otherwise(lead_grade)
            )
    conv = conv.select(
        "patient_id",
        pl.col("date").alias("spms_conversion_date"),
        pl.col("edss").alias("spms_edss"),
        pl.col("leading_fs").alias("spms_leading_fs"),
        lead_grade.alias("spms_leading_fs_grade"),
        pl.col("reference_date").alias("spms_reference_date"),
        pl.col("reference_edss").alias("spms_reference_edss"),
        pl.col("required_increase").alias("spms_required_increase"),
        pl.col("confirmation_date").alias("spms_confirmation_date"),
        pl.col("confirmation_edss").alias("spms_confirmation_edss"),
    )
    flags = ev.group_by("patient_id", maintain_order=True).agg(
        *[pl.col(c).any().alias(f"spms_{c}") for c in _RULE_COLS]
    )
    out = order.join(conv, on="patient_id", how="left", maintain_order="left").join(
        flags, on="patient_id", how="left", maintain_order="left"
    )
    out = out.with_columns(*[pl.col(f"spms_{c}").fill_null(False) for c in _RULE_COLS])
    return out.select([pl.col(c).cast(t) for c, t in _SUMMARY_SCHEMA.items()])
