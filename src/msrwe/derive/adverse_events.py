"""Adverse events analysed against the doses: an ADAE-like dataset (clinical-methods section 6).

:func:`derive_adae` keeps every adverse-event row, in the input's order, and adds:

- ``first_dose``, ``last_dose``: the patient's first and last dose of the study drug;
- ``trt_emergent``: onset on or after the first dose and at most ``risk_window_days`` after the
  last (false for a patient without a dose);
- ``dose_number`` and ``days_since_dose``: the nearest dose on or before the onset and the days
  from it, so that procedure-related events (post-lumbar-puncture headache, back pain) can be told
  apart from the rest;
- ``study_day``: days from the first dose to the onset (0 on the day of the first dose);
- ``ae_group``: what events are grouped by (the verbatim ``term``, trimmed and in lower case so
  that "Headache " and "headache" count once, or the MedDRA ``pt_code``);
- normalised flags: ``serious_flag`` (``serious`` true or any seriousness criterion given), one
  ``sae_<criterion>`` flag per ICH E2A criterion (:data:`SERIOUS_CRITERIA`; case, spaces, hyphens
  and the British "hospitalisation" are tolerated), ``related_flag`` (related or possibly
  related), ``infection_flag`` and ``fatal_flag`` (outcome fatal or criterion death).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> ae = pl.DataFrame({"patient_id": ["P1", "P1"], "term": ["Headache ", "fatigue"],
...     "onset_date": [dt.date(2020, 1, 2), dt.date(2020, 9, 1)]})
>>> doses = pl.DataFrame({"patient_id": ["P1", "P1"],
...     "date": [dt.date(2020, 1, 1), dt.date(2020, 3, 1)]})
>>> derive_adae(ae, doses).select("ae_group", "trt_emergent", "days_since_dose").rows()
[('headache', True, 1), ('fatigue', False, 184)]
"""

from __future__ import annotations

import numpy as np
import polars as pl

from msrwe.derive._columns import in_order, key_codes, key_type, require_columns
from msrwe.derive._frames import keep_rows, look_up, run_heads
from msrwe.errors import InputError, OptionError
from msrwe.schema import SERIOUS_CRITERIA

__all__ = ["AE_GROUPINGS", "RELATED_VALUES", "SERIOUS_CRITERIA", "derive_adae"]


#: Values of ``related`` counted as related to the drug.
RELATED_VALUES: tuple[str, ...] = ("related", "possibly_related")

#: Allowed values of ``group_by``.
AE_GROUPINGS: tuple[str, ...] = ("term", "pt_code")

_TEXT = pl.String
_OPTIONAL = {
    "end_date": pl.Date,
    "term": _TEXT,
    "pt_code": _TEXT,
    "soc_code": _TEXT,
    "grade": pl.Int64,
    "serious": pl.Boolean,
    "serious_criteria": _TEXT,
    "related": _TEXT,
    "infection": pl.Boolean,
    "outcome": _TEXT,
}


def derive_adae(
    adverse_events: pl.DataFrame,
    doses: pl.DataFrame,
    *,
    risk_window_days: int = 90,
    group_by: str = "term",
    by: str = "patient_id",
) -> pl.DataFrame:
    """Add treatment-emergence, the nearest preceding dose and normalised flags to each event.

    Parameters
    ----------
    adverse_events
        The ``adverse_events`` chart table (``patient_id``, ``onset_date``, ``term`` and the
        optional columns of the contract; absent ones are treated as missing).
    doses
        The study drug's administrations (``patient_id``, ``date``).
    risk_window_days
        Days after the last dose during which an event still counts as treatment-emergent (90).
    group_by
        ``"term"`` (the verbatim term, trimmed and lower-cased) or ``"pt_code"`` (MedDRA
        preferred-term code; events without a code fall back to their term).
    by
        The patient key.

    Returns
    -------
    polars.DataFrame
        The input rows in their order with the columns listed in the module docstring.

    Raises
    ------
    InputError
        When a required column is missing or an onset date is missing.
    OptionError
        When ``risk_window_days`` or ``group_by`` is not allowed.

    Examples
    --------
    >>> import datetime as dt
    >>> ae = pl.DataFrame({"patient_id": ["P1"], "onset_date": [dt.date(2020, 2, 3)],
    ...     "term": ["Pneumonia"], "serious_criteria": ["hospitalization"],
    ...     "related": ["unrelated"], "infection": [True]})
    >>> doses = pl.DataFrame({"patient_id": ["P1"], "date": [dt.date(2020, 2, 1)]})
    >>> out = derive_adae(ae, doses)
    >>> out.select("trt_emergent", "dose_number", "days_since_dose", "serious_flag",
    ...            "sae_hospitalization", "related_flag", "infection_flag").row(0)
    (True, 1, 2, True, True, False, True)
    """
    if (
        isinstance(risk_window_days, bool)
        or not isinstance(risk_window_days, int)
        or (risk_window_days < 0)
    ):
        raise OptionError(
            "The 'risk_window_days' parameter of derive_adae must be a whole number >= 0. "
            f"Got {risk_window_days!r} instead."
        )
    if group_by not in AE_GROUPINGS:
        raise OptionError(
            "The 'group_by' parameter of derive_adae must be one of {'pt_code', 'term'}. "
            f"Got {group_by!r} instead."
        )
    require_columns(adverse_events, "adverse_events", [by, "onset_date"])
    require_columns(doses, "doses", [by, "date"])
    ae = adverse_events.with_row_index("__row")
    ae = ae.with_columns(
        [pl.lit(None, dtype=t).alias(c) for c, t in _OPTIONAL.items() if c not in ae.columns]
    )
    no_onset = ae.filter(pl.col("onset_date").is_null())
    if no_onset.height:
        r = no_onset.row(0, named=True)
        raise InputError(
            f"adverse_events row {r['__row'] + 1} (patient {r[by]}): onset_date is missing; "
            "every adverse event needs an onset date."
        )
    # Each patient's doses in date order, numbered: sorted by an integer code of the patient
    # (no string comparisons; the last-dose search below needs dates sorted within each patient).
    row = pl.int_range(pl.len(), dtype=pl.Int64)
    ids = key_type(doses, adverse_events, key=by)
    dated = doses.select(pl.col(by).cast(ids), pl.col("date"))
    dated = keep_rows(dated, dated.get_column("date").is_not_null())
    if in_order(dated, [by, "date"]):
        # the study's doses come in patient and date order (cohort.study_doses): numbered as
        # they stand, with no codes and no sorted copy of a million patients' doses (each
        # patient's rows in the same order; the order between patients plays no part below)
        d = dated.with_columns(
            (row - pl.when(pl.col(by) != pl.col(by).shift(1)).then(row).otherwise(0).cum_max()
             + 1).alias("dose_number"))
    else:
        d = (
            dated
            .with_columns(key_codes([by], ["__code"]))
            .sort("__code", "date")
            .with_columns((pl.col("__code") != pl.col("__code").shift(1)).fill_null(True)
                          .alias("__first"))
            .with_columns((row - pl.when(pl.col("__first")).then(row).forward_fill() + 1)
                          .alias("dose_number"))
            .drop("__code", "__first")
        )
    span = d.group_by(by).agg(
        pl.col("date").min().alias("first_dose"), pl.col("date").max().alias("last_dose")
    )
    ae = ae.with_columns(pl.col(by).cast(ids)).join(span, on=by, how="left")
    ae = ae.with_columns(_last_dose(ae.get_column(by), ae.get_column("onset_date"), d, by))
    # "Life-threatening ; Hospitalisation" -> "life_threatening;hospitalization"
    crit = (
        pl.col("serious_criteria")
        .str.to_lowercase()
        .str.replace_all(r"\s*;\s*", ";")
        .str.strip_chars()
        .str.replace_all(r"[\s\-]+", "_")
        .str.replace_all("hospitalisation", "hospitalization")
    )
    term_norm = pl.col("term").str.strip_chars().str.replace_all(r"\s+", " ").str.to_lowercase()
    group = (
        term_norm
        if group_by == "term"
        else pl.coalesce(pl.col("pt_code").str.strip_chars(), term_norm)
    )
    window_end = pl.col("last_dose") + pl.duration(days=risk_window_days)
    ae = ae.with_columns(
        ((pl.col("onset_date") >= pl.col("first_dose")) & (pl.col("onset_date") <= window_end))
        .fill_null(False)
        .alias("trt_emergent"),
        (pl.col("onset_date") - pl.col("__dose_date"))
        .dt.total_days()
        .cast(pl.Int64)
        .alias("days_since_dose"),
        (pl.col("onset_date") - pl.col("first_dose"))
        .dt.total_days()
        .cast(pl.Int64)
        .alias("study_day"),
        group.alias("ae_group"),
        *[
            crit.str.split(";").list.contains(c).fill_null(False).alias(f"sae_{c}")
            for c in SERIOUS_CRITERIA
        ],
        pl.col("related")
        .str.strip_chars()
        .str.to_lowercase()
        .is_in(RELATED_VALUES)
        .fill_null(False)
        .alias("related_flag"),
        pl.col("infection").fill_null(False).alias("infection_flag"),
    )
    ae = ae.with_columns(
        (
            pl.col("serious").fill_null(False) | (crit.fill_null("").str.replace_all(";", "") != "")
        ).alias("serious_flag"),
        (
            (pl.col("outcome").str.strip_chars().str.to_lowercase() == "fatal").fill_null(False)
            | pl.col("sae_death")
        ).alias("fatal_flag"),
    )
    return ae.sort("__row").drop("__row", "__dose_date")


_SHIFT, _OFFSET = 32, 2**31  # a patient code above 32 bits of days (moved to 0 .. 2**32 - 1)


def _last_dose(ids: pl.Series, onset: pl.Series, d: pl.DataFrame, by: str) -> list[pl.Series]:
    """Per event, the patient's last dose on or before the onset: its date and number.

    An as-of join ("backward", by patient) of the events with the numbered doses ``d`` (``by``,
    ``date``, ``dose_number``, dates in order within each patient), done as a binary search on
    one integer per dose, ``patient code << 32 | day``, instead of grouping by the text id. Of
    two doses on one day the last row is found, as the as-of join finds it. Codes are given
    per run of equal neighbours (:func:`msrwe.derive._frames.look_up`).
    """
    d = d.filter(pl.col(by).is_not_null())
    heads = pl.concat([run_heads(d.get_column(by)).to_frame("k"),
                       run_heads(ids).to_frame("k")]).to_series().unique(maintain_order=True) \
        .drop_nulls()
    rank = pl.int_range(len(heads), dtype=pl.UInt32, eager=True)
    (d_code,) = look_up(d.get_column(by), heads, [rank])
    (e_code,) = look_up(ids, heads, [rank])
    d_day = d.get_column("date").cast(pl.Int32).cast(pl.Int64).to_numpy()
    key = (d_code.cast(pl.Int64).to_numpy() << _SHIFT) + (d_day + _OFFSET)
    order = np.arange(len(key))
    if len(key) > 1 and not bool(np.all(key[1:] >= key[:-1])):
        order = np.argsort(key, kind="stable")  # ties keep their order: the last row wins
        key = key[order]
    has = e_code.is_not_null().to_numpy() & onset.is_not_null().to_numpy()
    code = e_code.cast(pl.Int64).fill_null(0).to_numpy()
    target = (code << _SHIFT) + (onset.cast(pl.Int32).cast(pl.Int64).fill_null(0).to_numpy()
                                 + _OFFSET)
    at = np.searchsorted(key, target, side="right") - 1
    safe = order[np.clip(at, 0, None)] if len(key) else np.zeros(len(at), dtype=np.int64)
    found = has & (at >= 0) & ((key[np.clip(at, 0, None)] >> _SHIFT) == code if len(key)
                               else False)
    rows = pl.Series(np.where(found, safe, -1)).set(pl.Series(~found), None)
    return [d.get_column("date").gather(rows).alias("__dose_date"),
            d.get_column("dose_number").gather(rows)]
