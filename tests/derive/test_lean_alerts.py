"""The next treatment's start and the history alerts without copying the administrations (14.1).

``next_treatment_start`` filters each table before putting the other drugs' starts together, and
``derive_history_alerts`` lowercases only the limited drugs' rows: a registry's administrations
are gigabytes, mostly of the study drug. Each is checked against the plain version (every row put
together or lowercased, then filtered), which these tests keep, on drawn charts: spellings of the
same drug in several cases, missing drugs and dates, patients with and without treatments.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.derive.persistence import (
    DURATION_LIMITS,
    LIFETIME_LIMIT_DRUGS,
    derive_history_alerts,
)
from msrwe.derive.risk import next_treatment_start

_DRUGS = ["methotrexate", "Methotrexate", "mitoxantrone", "MITOXANTRONE", " rituximab",
          "cladribine", "Cladribine", None]
_PATIENTS = ["a", "b", "c", None]


def _dates() -> st.SearchStrategy[dt.date | None]:
    return st.one_of(st.none(), st.dates(dt.date(2008, 1, 1), dt.date(2016, 1, 1)))


@st.composite
def _charts(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    n = draw(st.integers(0, 30))
    adm = pl.DataFrame({
        "patient_id": draw(st.lists(st.sampled_from(_PATIENTS), min_size=n, max_size=n)),
        "date": draw(st.lists(_dates(), min_size=n, max_size=n)),
        "drug": draw(st.lists(st.sampled_from(_DRUGS), min_size=n, max_size=n)),
    }, schema={"patient_id": pl.String, "date": pl.Date, "drug": pl.String})
    if not draw(st.booleans()):
        return adm, None
    m = draw(st.integers(0, 6))
    tr = pl.DataFrame({
        "patient_id": draw(st.lists(st.sampled_from(_PATIENTS), min_size=m, max_size=m)),
        "drug": draw(st.lists(st.sampled_from(_DRUGS), min_size=m, max_size=m)),
        "start_date": draw(st.lists(_dates(), min_size=m, max_size=m)),
    }, schema={"patient_id": pl.String, "drug": pl.String, "start_date": pl.Date})
    return adm, tr


def _plain_next_start(doses: pl.DataFrame, adm: pl.DataFrame,
                      tr: pl.DataFrame | None) -> pl.DataFrame:
    """The former ``next_treatment_start``: both tables put together, then filtered."""
    study_drugs = [str(x).strip().lower() for x in doses["drug"].drop_nulls().unique()]
    first = doses.group_by("patient_id").agg(pl.col("date").min().alias("_first"))
    starts = [adm.select("patient_id", pl.col("date").alias("_start"), "drug")]
    if tr is not None:
        starts.append(tr.select("patient_id", pl.col("start_date").alias("_start"), "drug"))
    every = pl.concat(starts)
    own = every.select(pl.col("drug").unique().drop_nulls()).filter(
        pl.col("drug").str.strip_chars().str.to_lowercase().is_in(study_drugs))["drug"]
    other = every.filter(pl.col("_start").is_not_null() & pl.col("drug").is_not_null()
                         & ~pl.col("drug").is_in(own))
    return (other.join(first, on="patient_id", how="inner")
            .filter(pl.col("_start") > pl.col("_first"))
            .group_by("patient_id").agg(pl.col("_start").min().alias("next_treatment_date"))
            .sort("patient_id"))


@settings(max_examples=40, deadline=None)
@given(_charts(), st.sampled_from(["methotrexate", "mitoxantrone", "cladribine"]))
def test_case1_next_treatment_start_equals_the_plain_version(
    charts: tuple[pl.DataFrame, pl.DataFrame | None], drug: str
) -> None:
    adm, tr = charts
    doses = adm.filter(pl.col("drug").str.strip_chars().str.to_lowercase() == drug)
    if doses.is_empty():
        return
    assert_frame_equal(next_treatment_start(doses, adm, tr), _plain_next_start(doses, adm, tr))


def _plain_alerts(administrations: pl.DataFrame, tr: pl.DataFrame | None) -> pl.DataFrame:
    """The former ``derive_history_alerts``: every drug lowercased, then filtered."""
    schema = {"patient_id": pl.String, "drug": pl.String, "limit_id": pl.String,
              "description": pl.String, "date": pl.Date}
    frames = []
    adm = administrations.with_columns(pl.col("drug").str.to_lowercase())
    for lim in DURATION_LIMITS:
        sub = adm.filter(pl.col("drug") == lim.drug)
        if sub.height == 0:
            continue
        over = sub.filter(
            (pl.col("date") - pl.col("date").min().over("patient_id")).dt.total_days() > lim.days)
        what = ("treatment longer than" if lim.kind == "treatment" else "a dose later than")
        desc = (f"{lim.drug}: {what} {lim.days / 365.25:.1f} years after the first dose "
                f"({lim.source})")
        frames.append(
            over.group_by("patient_id").agg(pl.col("date").min())
            .with_columns(pl.lit(lim.drug).alias("drug"), pl.lit(lim.limit_id).alias("limit_id"),
                          pl.lit(desc).alias("description"))
            .select(list(schema)).cast(schema))
    if tr is not None and tr.height:
        firsts = adm.group_by("patient_id", "drug").agg(pl.col("date").min().alias("_first"))
        prior = (
            tr.with_columns(pl.col("drug").str.to_lowercase())
            .filter(pl.col("drug").is_in(list(LIFETIME_LIMIT_DRUGS)))
            .join(firsts, on=["patient_id", "drug"], how="left")
            .filter(pl.col("_first").is_null() | (pl.col("start_date") < pl.col("_first")))
            .group_by("patient_id", "drug").agg(pl.col("start_date").min().alias("date")))
        frames.append(prior.with_columns(
            pl.concat_str(pl.col("drug"), pl.lit(
                ": an earlier course is charted without its doses, so the lifetime cumulative "
                "limit cannot be checked")).alias("description"),
            pl.concat_str(pl.col("drug"), pl.lit("_prior_course_dose_unknown")).alias("limit_id"),
        ).select(list(schema)).cast(schema))
    if not frames:
        return pl.DataFrame(schema=schema)
    return pl.concat(frames).sort("patient_id", "drug", "limit_id")


@settings(max_examples=30, deadline=None)
@given(_charts())
def test_case2_history_alerts_equal_the_plain_version(
    charts: tuple[pl.DataFrame, pl.DataFrame | None],
) -> None:
    adm, tr = charts
    assert_frame_equal(derive_history_alerts(adm, treatments=tr), _plain_alerts(adm, tr))


def test_case3_mixed_spellings_alert_once() -> None:
    d = dt.date
    adm = pl.DataFrame({"patient_id": ["a"] * 3, "drug": ["Mitoxantrone", "mitoxantrone",
                                                          "MITOXANTRONE"],
                        "date": [d(2010, 1, 1), d(2011, 6, 1), d(2012, 1, 5)]})
    out = derive_history_alerts(adm)
    assert out.select("drug", "limit_id", "date").rows() == [
        ("mitoxantrone", "mitoxantrone_2y", d(2012, 1, 5))]
