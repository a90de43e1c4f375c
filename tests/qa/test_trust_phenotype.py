"""QA, issue #9 item 9: Lorscheider's rule never relabels a charted SPMS as RRMS.

In the demo 39 of 66 charted SPMS patients became "RRMS" because their conversion predated the
visits, so the rule could not see it. A charted SPMS the rule does not confirm is now
"SPMS (charted, conversion before follow-up)" when the charted conversion date is on or before
the first EDSS visit, and "indeterminate" otherwise. Numbered cases, expected value per case.
"""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.phenotype import CHARTED_BEFORE_FOLLOW_UP, INDETERMINATE, derive_phenotype

D = dt.date

# (case, charted phenotype, charted conversion date, EDSS visits, expected phenotype_derived)
CASES = [
    # 1: charted SPMS, converted years before the first visit; stable EDSS 6 -> not RRMS
    (1, "SPMS", D(2010, 1, 1), [(D(2015, 1, 1), 6.0, 4), (D(2016, 1, 1), 6.0, 4)],
     CHARTED_BEFORE_FOLLOW_UP),
    # 2: charted SPMS, conversion date on the first visit
    (2, "SPMS", D(2015, 1, 1), [(D(2015, 1, 1), 6.0, 4), (D(2016, 1, 1), 6.0, 4)],
     CHARTED_BEFORE_FOLLOW_UP),
    # 3: charted SPMS without a date, rule finds nothing -> indeterminate, not RRMS
    (3, "SPMS", None, [(D(2015, 1, 1), 6.0, 4), (D(2016, 1, 1), 6.0, 4)], INDETERMINATE),
    # 4: charted SPMS dated after the first visit, rule finds nothing -> indeterminate
    (4, "SPMS", D(2015, 6, 1), [(D(2015, 1, 1), 3.0, 2), (D(2016, 1, 1), 3.0, 2)],
     INDETERMINATE),
    # 5: charted SPMS the rule confirms -> SPMS
    (5, "SPMS", D(2010, 1, 1), [(D(2018, 1, 1), 3.0, 1), (D(2019, 1, 1), 4.0, 2),
                                (D(2019, 6, 1), 4.0, 2)], "SPMS"),
    # 6: charted RRMS without conversion stays RRMS
    (6, "RRMS", None, [(D(2015, 1, 1), 2.0, 1), (D(2016, 1, 1), 2.0, 1)], "RRMS"),
    # 7: charted PPMS stays PPMS
    (7, "PPMS", None, [(D(2015, 1, 1), 6.0, 4)], "PPMS"),
]


@pytest.mark.parametrize(("case", "charted", "conversion", "visits", "expected"), CASES,
                         ids=[f"case{c[0]}" for c in CASES])
def test_item9_charted_spms_never_becomes_rrms(case, charted, conversion, visits, expected):
    # Item 9: Lorscheider's rule relabelled charted SPMS patients as RRMS
    patients = pl.DataFrame({"patient_id": [f"p{case}"], "phenotype": [charted],
                             "spms_conversion_date": [conversion]},
                            schema_overrides={"spms_conversion_date": pl.Date})
    v = pl.DataFrame({"patient_id": [f"p{case}"] * len(visits),
                      "date": [d for d, _, _ in visits],
                      "edss": [e for _, e, _ in visits],
                      "fs_pyramidal": [f for _, _, f in visits]})
    out = derive_phenotype(patients, v)
    assert out["phenotype_derived"].to_list() == [expected]


def test_item9_demo_cohort_has_no_charted_spms_derived_as_rrms():
    from msrwe.synth import make_cohort

    charts = make_cohort(120, seed=3)
    out = derive_phenotype(charts["patients"], charts["visits"], charts.get("relapses"))
    spms = out.filter(pl.col("phenotype") == "SPMS")
    assert spms.height > 0
    assert "RRMS" not in spms["phenotype_derived"].to_list()
