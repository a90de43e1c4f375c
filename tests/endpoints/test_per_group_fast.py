"""``per_group`` equals the selection by the Python id lists of ``groups_of``.

Whatever way ``per_group`` selects the groups' rows (issue 14 moves it off Python lists of a
million ids), the groups, their order and the rows of each must be those of ``groups_of``.
"""

from __future__ import annotations

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.endpoints._common import per_group
from msrwe.tables.groups import groups_of


def _former(adsl, data, by="patient_id", group="group"):
    for g, ids in groups_of(adsl, group):
        yield g, data.filter(pl.col(by).cast(pl.String).is_in(ids))


@settings(max_examples=150, deadline=None)
@given(groups=st.lists(st.one_of(st.none(), st.sampled_from(["SPMS", "PPMS", "overall",
                                                             "unknown", "RRMS"])),
                       max_size=12),
       rows=st.lists(st.integers(0, 14), max_size=30),
       column=st.sampled_from(["group", "missing", None]), twice=st.booleans(),
       null_key=st.booleans())
def test_per_group_equals_the_id_lists(groups, rows, column, twice, null_key):
    # twice: a patient listed twice in adsl (the label join would not apply); null_key: a row
    # of data without a patient id (in no group)
    adsl = pl.DataFrame({"patient_id": [f"p{i}" for i in range(len(groups))], "group": groups},
                        schema={"patient_id": pl.String, "group": pl.String})
    if twice and adsl.height:
        adsl = pl.concat([adsl, adsl.head(1).with_columns(pl.lit("RRMS").alias("group"))])
    data = pl.DataFrame({"patient_id": [f"p{r}" for r in rows], "x": list(range(len(rows)))},
                        schema={"patient_id": pl.String, "x": pl.Int64})
    if null_key:
        data = pl.concat([data, pl.DataFrame({"patient_id": [None], "x": [99]},
                                             schema=data.schema)])
    got = list(per_group(adsl, data, group=column))
    want = list(_former(adsl, data, group=column))
    assert [g for g, _ in got] == [g for g, _ in want]
    for (_, a), (_, b) in zip(got, want, strict=True):
        assert_frame_equal(a, b)
