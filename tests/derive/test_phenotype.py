"""derive_phenotype: the data-driven phenotype beside the charted one (clinical-methods §5)."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.outcomes.spms import LORSCHEIDER_2016
from msrwe.derive.phenotype import derive_phenotype, describe_phenotype
from msrwe.errors import InputError

D0 = dt.date(2020, 1, 1)


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


# A converting course (3.0 -> 4.0, pyramidal 1 -> 2, confirmed 120 d later) and a stable one.
CONVERTS = [(0, 3.0, 1), (200, 4.0, 2), (320, 4.0, 2)]
STABLE = [(0, 3.0, 1), (200, 3.0, 1), (320, 3.0, 1)]


def visits(courses: dict[str, list[tuple]]) -> pl.DataFrame:
    rows = [(pid, day(d), e, p) for pid, course in courses.items() for d, e, p in course]
    return pl.DataFrame(rows, schema={"patient_id": pl.String, "date": pl.Date,
                                      "edss": pl.Float64, "fs_pyramidal": pl.Int64}, orient="row")


def patients(phenotypes: dict[str, str | None]) -> pl.DataFrame:
    return pl.DataFrame({"patient_id": list(phenotypes), "phenotype": list(phenotypes.values()),
                         "site": ["x"] * len(phenotypes)},
                        schema_overrides={"phenotype": pl.String})


@pytest.mark.parametrize(
    ("charted", "course", "derived", "date"),
    [
        ("RRMS", CONVERTS, "SPMS", day(200)),  # Case 1: RRMS that converts by the rule
        ("RRMS", STABLE, "RRMS", None),  # Case 2: RRMS that does not
        # Case 3: charted SPMS without objective evidence: never RRMS (issue 9 item 9)
        ("SPMS", STABLE, "indeterminate", None),
        ("SPMS", CONVERTS, "SPMS", day(200)),  # Case 4: charted SPMS with it
        ("PPMS", CONVERTS, "PPMS", None),  # Case 5: progressive from onset: rule not applied
        ("PRMS", STABLE, "PPMS", None),  # Case 6: the retired PRMS reads as PPMS
        ("CIS", STABLE, "CIS", None),  # Case 7: CIS stays CIS without conversion
        (None, CONVERTS, "SPMS", day(200)),  # Case 8: unknown phenotype, conversion found
        (None, STABLE, None, None),  # Case 9: unknown phenotype and no conversion: not classed
        ("RRMS", [], None, None),  # Case 10: no visit with EDSS: not assessable
    ],
)
def test_phenotype_cases(charted, course, derived, date):
    p = patients({"a": charted})
    v = visits({"a": course, "other": STABLE})
    out = derive_phenotype(p, v)
    assert out.row(0, named=True) == {
        "patient_id": "a", "phenotype": charted, "site": "x",
        "phenotype_derived": derived, "spms_conversion_date_derived": date,
    }


def test_case11_same_rows_same_order_input_untouched():
    p = patients({"z": "RRMS", "a": "RRMS", "m": "PPMS", "q": "SPMS"})
    v = visits({"a": CONVERTS, "z": STABLE, "m": CONVERTS, "unknown": CONVERTS})
    before = p.clone()
    out = derive_phenotype(p, v)
    assert out["patient_id"].to_list() == ["z", "a", "m", "q"]
    assert out["phenotype_derived"].to_list() == ["RRMS", "SPMS", "PPMS", None]
    assert out.columns == [*p.columns, "phenotype_derived", "spms_conversion_date_derived"]
    assert p.equals(before)


def test_case12_relapse_blocks_conversion():
    p = patients({"a": "RRMS"})
    v = visits({"a": CONVERTS})
    r = pl.DataFrame({"patient_id": ["a"], "onset_date": [day(185)]})
    out = derive_phenotype(p, v, r)
    assert out["phenotype_derived"][0] == "RRMS"
    longer = LORSCHEIDER_2016.replace(confirmation_days=180)
    assert derive_phenotype(p, v, definition=longer)["phenotype_derived"][0] == "RRMS"


def test_case13_no_phenotype_column():
    p = pl.DataFrame({"patient_id": ["a", "b"]})
    out = derive_phenotype(p, visits({"a": CONVERTS, "b": STABLE}))
    assert out["phenotype_derived"].to_list() == ["SPMS", None]


def test_case14_errors_name_the_row():
    v = visits({"a": CONVERTS})
    with pytest.raises(InputError, match=r"row 2, column 'phenotype': value 'RMS'"):
        derive_phenotype(patients({"a": "RRMS", "b": "RMS"}), v)
    with pytest.raises(InputError, match="already exist"):
        derive_phenotype(patients({"a": "RRMS"}).with_columns(phenotype_derived=pl.lit("x")), v)
    dup = pl.concat([patients({"a": "RRMS"})] * 2)
    with pytest.raises(InputError, match=r"row 1, column 'patient_id'.*more than once"):
        derive_phenotype(dup, v)


def test_case15_describe():
    text = describe_phenotype()
    assert "PPMS kept PPMS" in text
    assert "Lorscheider" in text
