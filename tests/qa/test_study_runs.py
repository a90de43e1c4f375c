"""QA: ``msrwe analyze`` read as a clinician reads it.

Each case is a defect found by analysing small stores; the test fails without its fix.
"""

from pathlib import Path

import pytest

from msrwe.pipeline import analyze


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("qa_study")
    write_cohort(root / "charts", 12, seed=7)
    import_folder(root / "charts", root / "s.duckdb")
    return root / "s.duckdb"


@pytest.mark.parametrize(
    ("n", "label"),
    [
        # Case 1: the default criterion read "at least 1 administrations"
        (1, "at least 1 administration"),
        # Case 2: more than one keeps the plural
        (2, "at least 2 administrations"),
    ],
)
def test_case1_2_attrition_label_in_words(store, tmp_path, n, label):
    study = tmp_path / "study.toml"
    study.write_text(f'[cohort]\ndrug = "methotrexate"\nmin_administrations = {n}\n')
    result = analyze(store, study)
    # the rows after the charted-patient steps (-2, -1, issue 9 item 18): the store, then drug
    steps = result.attrition.filter(result.attrition["step"] >= 0)
    assert steps["criterion"][2] == label
