"""Dataset labels held as categoricals while the analysis runs (issue 14.1).

Numbered cases: the runner casts the text columns of few distinct values, never
``patient_id``, a column of many values nor ``adsl`` (case 1); the result gives each dataset
out as text (``ChartedDatasets``), whichever way it is taken (case 2); and a hypothesis test:
sorting, comparing, filtering by a label, grouping in order and the text again give what the
text column gives.
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.analysis.result import ChartedDatasets
from msrwe.derive._columns import as_charted
from msrwe.pipeline import run


def test_case1_labels_of_few_values_are_held_as_categoricals() -> None:
    many = [f"x{i}" for i in range(run._FEW + 1)]
    ds = {
        "adsl": pl.DataFrame({"patient_id": ["a"], "group": ["X"]}),
        "adae": pl.DataFrame({"patient_id": ["a", "b"], "term": ["rash", "rash"],
                              "n": [1, 2]}),
        "advs": pl.DataFrame({"patient_id": ["a"] * len(many), "note": many}),
    }
    run._hold_labels(ds)
    assert ds["adsl"].schema["group"] == pl.String
    assert ds["adae"].schema["term"] == pl.Categorical
    assert ds["adae"].schema["patient_id"] == pl.String
    assert ds["advs"].schema["note"] == pl.String
    # only the datasets named
    other = {"adae": pl.DataFrame({"term": ["rash"]})}
    run._hold_labels(other, [])
    assert other["adae"].schema["term"] == pl.String


def test_case2_the_result_gives_datasets_out_as_text() -> None:
    held = pl.DataFrame({"patient_id": ["b", "a"], "term": ["rash", "flu"]},
                        schema={"patient_id": pl.Enum(["a", "b"]), "term": pl.Categorical})
    text = as_charted(held)
    ds = ChartedDatasets({"adae": held})
    assert text.schema == pl.Schema({"patient_id": pl.String, "term": pl.String})
    for got in (ds["adae"], ds.get("adae"), next(iter(ds.values())), dict(ds)["adae"],
                {**ds}["adae"], dict(ds.items())["adae"]):
        assert_frame_equal(got, text)
    assert ds.get("adtte") is None
    assert list(ds) == ["adae"]


_labels = st.lists(st.text(max_size=5), min_size=1, max_size=8, unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labels=_labels, data=st.data())
def test_categorical_labels_behave_as_text(labels: list[str], data: st.DataObject) -> None:
    rows = data.draw(st.lists(st.sampled_from(labels), max_size=25))
    text = pl.DataFrame({"label": rows, "x": range(len(rows))},
                        schema={"label": pl.String, "x": pl.Int64})
    held = text.with_columns(pl.col("label").cast(pl.Categorical))
    back = pl.col("label").cast(pl.String)
    assert_frame_equal(held.sort("label", "x").with_columns(back), text.sort("label", "x"))
    after = (pl.col("label") > pl.col("label").shift(1)).alias("after")
    assert_frame_equal(held.select(after), text.select(after))
    one = labels[0]
    assert_frame_equal(held.filter(pl.col("label") == one).with_columns(back),
                       text.filter(pl.col("label") == one))
    agg = [pl.col("x").sum().alias("s"), pl.len().alias("n")]
    assert_frame_equal(held.group_by("label", maintain_order=True).agg(agg).with_columns(back),
                       text.group_by("label", maintain_order=True).agg(agg))
    assert_frame_equal(as_charted(held), text)
