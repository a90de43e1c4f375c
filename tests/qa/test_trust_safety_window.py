"""QA, issue #9 item 8: the treatment-emergent window ends at the next disease-modifying treatment.

A rituximab infusion reaction on the first rituximab day was counted as a methotrexate event and
time at risk ran on into rituximab. Both now end the day before another drug starts (its first
administration or a ``treatments`` course), unless ``[safety] end_at_next_treatment = false``.
"""

import datetime as dt

import polars as pl
import pytest

from msrwe.derive.risk import next_treatment_start
from msrwe.study.config import Study
from msrwe.study.safety import add_safety
from msrwe.tables.results import ResultsTable

D = dt.date
DOSES = pl.DataFrame({"patient_id": ["a", "a", "a"],
                      "date": [D(2020, 1, 1), D(2020, 3, 1), D(2020, 5, 1)],
                      "drug": ["methotrexate"] * 3})
ADSL = pl.DataFrame({"patient_id": ["a"], "group": ["SPMS"]})
#: The reaction on the first rituximab day, and a late headache well inside the old window.
AES = pl.DataFrame({"patient_id": ["a", "a"], "onset_date": [D(2020, 6, 1), D(2020, 7, 1)],
                    "term": ["Infusion reaction", "Headache"]})
ADMIN = pl.concat([DOSES, pl.DataFrame({"patient_id": ["a"], "date": [D(2020, 6, 1)],
                                        "drug": ["rituximab"]})])
TREATMENTS = pl.DataFrame({"patient_id": ["a"], "drug": ["Rituximab"],
                           "start_date": [D(2020, 6, 1)], "stop_date": [None],
                           "stop_reason": [None]},
                          schema_overrides={"stop_date": pl.Date, "stop_reason": pl.String})


def _run(study: Study, **tables):
    r = ResultsTable()
    out = add_safety(r, doses=DOSES, adsl=ADSL, adverse_events=AES, study=study, **tables)
    return r, out


@pytest.mark.parametrize("tables", [{"administrations": ADMIN}, {"treatments": TREATMENTS}],
                         ids=["administration", "treatments"])
def test_item8_events_from_the_next_drugs_first_day_are_not_the_study_drugs(tables):
    # Item 8: the rituximab-day reaction was a methotrexate treatment-emergent event
    r, out = _run(Study(), **tables)
    assert r.get("ae_incidence", "n", variable="term", level="infusion reaction") in (None, 0.0)
    assert r.get("ae_incidence", "n", variable="term", level="headache") in (None, 0.0)
    assert out["adrisk"]["risk_end"].to_list() == [D(2020, 5, 31)]


def test_item8_option_keeps_the_former_rule():
    study = Study.from_dict({"cohort": {"drug": "methotrexate"},
                             "safety": {"end_at_next_treatment": False}})
    r, _ = _run(study, administrations=ADMIN)
    assert r.get("ae_incidence", "n", variable="term", level="infusion reaction") == 1.0


def test_item8_next_treatment_start_cases():
    # Case 1: another drug before the first study dose is not "next"; Case 2: the same drug
    # under another spelling is not another drug; Case 3: the earliest later start wins
    adm = pl.DataFrame({"patient_id": ["a", "a", "a", "a"],
                        "date": [D(2019, 1, 1), D(2020, 2, 1), D(2020, 9, 1), D(2020, 8, 1)],
                        "drug": ["natalizumab", "Methotrexate", "rituximab", "ocrelizumab"]})
    assert next_treatment_start(DOSES, adm, None).rows() == [("a", D(2020, 8, 1))]


def test_item8_methods_say_so():
    from msrwe.study.methods import safety_methods

    assert "next disease-modifying treatment" in safety_methods(Study())
    off = Study.from_dict({"cohort": {"drug": "x"}, "safety": {"end_at_next_treatment": False}})
    assert "next disease-modifying treatment" not in safety_methods(off)
