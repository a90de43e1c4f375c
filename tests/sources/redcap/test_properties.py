"""Property: any synthetic cohort survives the trip through a REDCap export unchanged.

For cohorts drawn with hypothesis (size, seed, clean or dirty charts with msrwe synth's chart
errors, raw or label export), the tables imported from the template project's export equal those
the same tables give when handed to the importer directly (the same rows kept, the same rows
quarantined), and every REDCap form's accounting adds up (read = imported + quarantined +
ignored).
"""

from __future__ import annotations

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from msrwe.io import read_frames
from msrwe.sources.redcap import import_redcap_frame, parse_dictionary, redcap_export
from msrwe.sources.redcap._convert import with_source_rows
from msrwe.sources.redcap._dictionary import DICTIONARY_COLUMNS
from msrwe.sources.redcap._template import template_rows
from msrwe.synth import make_cohort

DICT = parse_dictionary("\n".join(",".join('"' + c.replace('"', '""') + '"' for c in r)
                                  for r in [list(DICTIONARY_COLUMNS), *template_rows()]))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 6), seed=st.integers(0, 10_000), labels=st.booleans(),
       dirty=st.booleans())
def test_cohort_survives_redcap(n, seed, labels, dirty):
    tables = make_cohort(20 + n if dirty else n, seed=seed, dirty=dirty)
    direct = read_frames(tables, source="direct").chart
    export = with_source_rows(redcap_export(tables, labels=labels), 2)
    via = import_redcap_frame(export, DICT, None, source="export.csv")
    # every REDCap record is a patient: a chart row of a patient missing from the patients table
    # (quarantined as unknown_patient when handed in directly) has a record, hence a patient
    charted = tables["patients"]["patient_id"].implode()
    for name, frame in direct.tables.items():
        got = via.chart.tables[name].filter(pl.col("patient_id").is_in(charted))
        assert got.sort(got.columns).equals(frame.sort(frame.columns)), name
    if not dirty:
        assert via.chart.quarantine.height == 0
    for c in via.forms:
        assert c.read == c.imported + c.quarantined + c.ignored
    assert sum(c.read for c in via.forms) == sum(
        t.height for t in tables.values() if isinstance(t, pl.DataFrame))
