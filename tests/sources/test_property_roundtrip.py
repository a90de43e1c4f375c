"""Property: any valid chart written as OMOP or FHIR by msrwe reads back to the same chart.

Hypothesis draws small charts (patients with optional fields, visits with any valid EDSS, FS and
timed tests, relapses, doses, treatment courses with or without a stop date, adverse events);
the chart validated directly and the chart read back from OMOP (through a real DuckDB file) and
from a FHIR Bundle must hold the same rows.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from msrwe.io import read_frames
from msrwe.sources.fhir import write_fhir_bundle
from msrwe.sources.fhir._convert import fhir_to_chart
from msrwe.sources.fhir._read import read_fhir
from msrwe.sources.omop import chart_to_omop, load_concepts, read_omop, write_omop_duckdb
from msrwe.sources.omop._convert import omop_to_chart

EDSS = [0.0, *[x / 2 for x in range(2, 21)]]
DAY0 = dt.date(2005, 1, 1)
maybe = st.none() | st.booleans()


@st.composite
def charts(draw) -> dict[str, pl.DataFrame]:
    n = draw(st.integers(1, 3))
    ids = [f"P{i}" for i in range(n)]
    patients = pl.DataFrame({
        "patient_id": ids,
        "sex": [draw(st.sampled_from(["F", "M", "X", None])) for _ in ids],
        "birth_date": [dt.date(1950 + draw(st.integers(0, 30)), draw(st.integers(1, 12)),
                               draw(st.integers(1, 28))) for _ in ids],
        "diagnosis_date": [draw(st.none() | st.just(dt.date(2000, 5, 1))) for _ in ids],
        "phenotype": [draw(st.sampled_from(["PPMS", "RRMS", None])) for _ in ids],
        "site": [draw(st.sampled_from(["north", "south", None])) for _ in ids],
    })
    visits, relapses, doses, courses, events = [], [], [], [], []
    for pid in ids:
        days = draw(st.lists(st.integers(0, 3000), min_size=1, max_size=4, unique=True))
        for d in days:
            visits.append({
                "patient_id": pid, "date": DAY0 + dt.timedelta(days=d),
                "edss": draw(st.none() | st.sampled_from(EDSS)),
                "fs_pyramidal": draw(st.none() | st.integers(0, 6)),
                "t25fw_s": draw(st.none() | st.sampled_from([4.5, 7.25, 30.0])),
                "nhpt_dominant_s": draw(st.none() | st.sampled_from([18.5, 777.0])),
                "sdmt": draw(st.none() | st.integers(0, 110)),
                "scheduled": draw(st.booleans()),
            })
        for d in draw(st.lists(st.integers(0, 3000), max_size=2, unique=True)):
            relapses.append({"patient_id": pid, "onset_date": DAY0 + dt.timedelta(days=d),
                             "confirmed": draw(st.booleans()), "steroids": draw(maybe)})
        for d in draw(st.lists(st.integers(0, 3000), max_size=2, unique=True)):
            doses.append({"patient_id": pid, "date": DAY0 + dt.timedelta(days=d),
                          "drug": draw(st.sampled_from(["methotrexate", "rituximab", "newdrug"])),
                          "route": draw(st.sampled_from(["intrathecal", "iv", None])),
                          "dose": draw(st.sampled_from([12.5, 1000.0])), "dose_unit": "mg",
                          "bsa_m2": draw(st.none() | st.just(1.8))})
        if draw(st.booleans()):
            stop = draw(st.none() | st.integers(1, 500))
            courses.append({"patient_id": pid, "drug": "fingolimod", "start_date": DAY0,
                            "stop_date": None if stop is None else DAY0 + dt.timedelta(stop),
                            "stop_reason": None if stop is None else "inefficacy"})
        if draw(st.booleans()):
            events.append({"patient_id": pid, "onset_date": DAY0 + dt.timedelta(days=9),
                           "term": draw(st.sampled_from(["headache", "UTI"])),
                           "grade": draw(st.none() | st.integers(1, 5)),
                           "serious": draw(maybe), "infection": draw(maybe),
                           "outcome": draw(st.sampled_from(["recovered", "fatal", None]))})
    out = {"patients": patients, "visits": pl.DataFrame(visits)}
    for name, rows in (("relapses", relapses), ("administrations", doses),
                       ("treatments", courses), ("adverse_events", events)):
        if rows:
            out[name] = pl.DataFrame(rows)
    return out


def _tables(frames: dict[str, pl.DataFrame], flags=None) -> dict[str, pl.DataFrame]:
    result = read_frames(frames, source="x", flags=flags)
    assert result.chart.quarantine.height == 0, result.chart.quarantine["message"].to_list()
    return {n: t.sort(t.columns, nulls_last=True) for n, t in result.chart.tables.items()
            if t.height}


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(charts())
def test_property_omop_and_fhir_read_back_the_chart(chart):
    c = load_concepts()
    direct = _tables(chart)
    with tempfile.TemporaryDirectory() as tmp:
        cdm = write_omop_duckdb(chart_to_omop(chart, c), Path(tmp) / "cdm.duckdb")
        conv = omop_to_chart(read_omop(cdm), c)
        via_omop = _tables(conv.frames, conv.flags)
        bundle = write_fhir_bundle(chart, Path(tmp) / "b.json", c)
        fconv = fhir_to_chart(read_fhir(bundle), c)
        via_fhir = _tables(fconv.frames, fconv.flags)
    for via in (via_omop, via_fhir):
        assert set(via) == set(direct)
        for name, table in direct.items():
            assert_frame_equal(via[name].select(table.columns), table, check_dtypes=True)
