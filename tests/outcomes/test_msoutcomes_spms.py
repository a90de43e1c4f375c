"""SPMS conversion under the MSoutcomes profile: spmsDx and spmsDx_no_fss of MSoutcomes 0.2.1."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import polars as pl
import pytest
from hypothesis import given, settings

from msrwe.derive import derive_phenotype, describe_phenotype
from msrwe.derive.outcomes import derive_spms_conversion
from msrwe.derive.outcomes.msoutcomes_spms import MSOutcomesSpms, derive_spms_msoutcomes
from msrwe.errors import OptionError

HERE = Path(__file__).resolve().parents[1] / "results" / "msoutcomes"
FUNS = {"spmsDx": "msoutcomes", "spmsDx_no_fss": "msoutcomes_no_fss"}


def _inputs(cohort: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    v = pl.read_csv(HERE / f"{cohort}_visits.csv", try_parse_dates=True)
    r = pl.read_csv(HERE / f"{cohort}_relapses.csv", try_parse_dates=True,
                    schema_overrides={"patient_id": pl.String})
    return v, r


@pytest.mark.parametrize("cohort", ["cases", "random", "relapsing"])
@pytest.mark.parametrize("fun", list(FUNS))
def test_spms_equal_r(cohort: str, fun: str) -> None:
    v, r = _inputs(cohort)
    ours = derive_spms_conversion(v, r, profile=FUNS[fun])
    gold = (pl.read_csv(HERE / f"{cohort}_spms.csv", try_parse_dates=True,
                        schema_overrides={"SPMS": pl.String})
            .filter(pl.col("run") == fun))
    assert ours["patient_id"].to_list() == gold["ID"].to_list()
    err = gold["SPMS"] == "error"
    assert ours["msoutcomes_error"].to_list() == err.to_list()
    assert ours["spms"].to_list() == [0 if e else int(s) for s, e in zip(gold["SPMS"], err,
                                                                          strict=True)]
    assert ours["spms_conversion_date"].equals(gold["date_SPMS"], check_names=False)
    assert ours["spms_edss"].equals(gold["EDSS_SPMS"].cast(pl.Float64), check_names=False)
    assert ours["spms_edss_before"].equals(gold["EDSS_preDxFinal"].cast(pl.Float64),
                                           check_names=False)
    if cohort == "random":
        assert ours["spms"].sum() >= 50  # the cohort exercises conversions broadly


def _case(pid: str, fun: str) -> dict[str, Any]:
    v, r = _inputs("cases")
    out = derive_spms_conversion(v.filter(pl.col("patient_id") == pid),
                                 r.filter(pl.col("patient_id") == pid), profile=FUNS[fun])
    return out.row(0, named=True)


# number, case, function, expected (spms, conversion date, error)
SPMS_CASES = [
    (1, "c08", "spmsDx", (1, dt.date(2016, 2, 5), False)),  # pyramidal leads, confirmed
    (2, "c09", "spmsDx", (0, None, False)),  # the leading FS falls back after 60 days
    (3, "c09", "spmsDx_no_fss", (1, dt.date(2016, 2, 5), False)),  # FS not looked at
    (4, "c02", "spmsDx", (1, dt.date(2015, 4, 11), False)),
    (5, "c02", "spmsDx_no_fss", (1, dt.date(2015, 1, 1), False)),  # at the baseline visit
    (6, "c12", "spmsDx", (0, None, True)),  # no visit outside a relapse: the package errors
    (7, "c03", "spmsDx", (0, None, False)),  # three visits, EDSS below 4
    (8, "c21", "spmsDx", (1, dt.date(2016, 12, 1), False)),
]


@pytest.mark.parametrize(("num", "pid", "fun", "expected"), SPMS_CASES,
                         ids=[f"{c[0]:02d}-{c[1]}-{c[2]}" for c in SPMS_CASES])
def test_numbered_spms_case(num: int, pid: str, fun: str,
                            expected: tuple[Any, ...]) -> None:
    row = _case(pid, fun)
    assert (row["spms"], row["spms_conversion_date"], row["msoutcomes_error"]) == expected


def test_patient_without_edss_is_na_only_when_someone_converted() -> None:
    v, r = _inputs("cases")
    ghost = pl.DataFrame({"patient_id": ["zz"], "date": [dt.date(2015, 1, 1)], "edss": [None]},
                         schema_overrides={"edss": pl.Float64})
    both = pl.concat([v.filter(pl.col("patient_id") == "c08"), ghost], how="diagonal")
    out = derive_spms_conversion(both, r, profile="msoutcomes")
    assert out["spms"].to_list() == [1, None]
    alone = pl.concat([v.filter(pl.col("patient_id") == "c01"), ghost], how="diagonal")
    assert derive_spms_conversion(alone, r, profile="msoutcomes")["spms"].to_list() == [0, 0]


def test_phenotype_uses_the_msoutcomes_profile() -> None:
    v, r = _inputs("cases")
    pts = pl.DataFrame({"patient_id": v["patient_id"].unique(maintain_order=True),
                        "phenotype": "RRMS"})
    out = derive_phenotype(pts, v, r, definition=MSOutcomesSpms())
    conv = derive_spms_conversion(v, r, profile="msoutcomes")
    spms = out.filter(pl.col("phenotype_derived") == "SPMS")["patient_id"].to_list()
    assert spms == conv.filter(pl.col("spms") == 1)["patient_id"].to_list()
    text = describe_phenotype(MSOutcomesSpms())
    assert "function spmsDx of the R package MSoutcomes 0.2.1" in text
    assert "minFSpyr = 2" in text
    assert "tRelProg = 181.5 days" in text


def test_describe_no_fss_and_parameters() -> None:
    text = MSOutcomesSpms(fss=False, minEDSS=5.5, tProgression=180).describe()
    assert "spmsDx_no_fss" in text
    assert "minEDSS = 5.5" in text
    assert "tProgression = 180" in text
    assert "minFSpyr" not in text


@pytest.mark.parametrize(("kw", "option"), [
    ({"minEDSS": 4.2}, "minEDSS"), ({"minEDSS": 7.0}, "minEDSS"), ({"minFSpyr": 1}, "minFSpyr"),
    ({"tRelapse": -1}, "tRelapse"), ({"tRelProg": "x"}, "tRelProg"),
])
def test_parameter_errors(kw: dict[str, Any], option: str) -> None:
    with pytest.raises(OptionError) as exc:
        MSOutcomesSpms(**kw)
    assert exc.value.option == option


def test_unknown_profile() -> None:
    v, r = _inputs("cases")
    with pytest.raises(OptionError, match="profile"):
        derive_spms_conversion(v, r, profile="msbase")


def test_recorded_days_post_relapse_column() -> None:
    v, r = _inputs("random")
    dpr = pl.read_csv(HERE / "random_dpr.csv")["daysPostRelapse"]
    a = derive_spms_msoutcomes(v.with_columns(dpr.alias("dpr")), None,
                               days_post_relapse_col="dpr")
    assert a.equals(derive_spms_msoutcomes(v, r))


EDSS = [1.0, 2.0, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5, 6.0, 6.5]


@st.composite
def patients(draw: Any) -> tuple[pl.DataFrame, pl.DataFrame]:
    rows, rel = [], []
    for p in range(draw(st.integers(1, 4))):
        day = 0
        for _ in range(draw(st.integers(1, 10))):
            grade = draw(st.one_of(st.none(), st.integers(0, 5)))
            rows.append((f"p{p}", day, draw(st.sampled_from(EDSS)), grade,
                         draw(st.integers(0, 4))))
            day += draw(st.sampled_from([60, 91, 120, 182, 365]))
        rel += [(f"p{p}", draw(st.integers(-30, day)))
                for _ in range(draw(st.integers(0, 2)))]
    v = pl.DataFrame(rows, orient="row", schema={
        "patient_id": pl.String, "date": pl.Int64, "edss": pl.Float64,
        "fs_pyramidal": pl.Int64, "fs_cerebellar": pl.Int64})
    r = pl.DataFrame(rel, orient="row", schema={"patient_id": pl.String, "onset_date": pl.Int64})
    return v, r


@settings(max_examples=50, deadline=None)
@given(patients(), st.booleans())
def test_conversion_is_a_visit_meeting_min_edss(data: Any, fss: bool) -> None:
    v, r = data
    out = derive_spms_msoutcomes(v, r, definition=MSOutcomesSpms(fss=fss))
    assert out.height == v["patient_id"].n_unique()
    for row in out.filter(pl.col("spms") == 1).iter_rows(named=True):
        visit = v.filter((pl.col("patient_id") == row["patient_id"])
                         & (pl.col("date") == row["spms_conversion_date"]))
        assert visit.height == 1
        assert visit["edss"][0] == row["spms_edss"]
        assert row["spms_edss"] >= 4.0
    alone = [derive_spms_msoutcomes(v.filter(pl.col("patient_id") == pid),
                                    r.filter(pl.col("patient_id") == pid),
                                    definition=MSOutcomesSpms(fss=fss))
             for pid in out["patient_id"]]
    assert pl.concat(alone).equals(out)
