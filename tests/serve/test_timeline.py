"""The patient timeline's SVG, written by hand (numbered cases).

1 it parses as XML (defusedxml) and has an accessible title and a legend; 2 one circle per
charted measurement, special codes (9HPT 777) left out; 3 one baseline square, onset triangle
and confirming diamond per event of the engine, labelled with the engine's RAW/PIRA; 4 the
confirming visit follows the chosen confirmation (84 or 168 days); 5 one lane mark per dose,
relapse, AE, hospital stay, MRI and sample, a span per stay and a dashed line per relapse on
every panel; 6 hostile labels (``<script>``, ``&``, quotes) stay text; 6b any text at all (control
characters included) keeps the figure parsable, shown as itself or with U+FFFD for what XML
cannot hold; 7 the page's inline SVG parses and holds the patient's visits and the hostile AE
term only as text.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import quote

import polars as pl
from defusedxml import ElementTree
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.serve.conftest import EVIL_ID, EVIL_TERM

from msrwe.serve._timeline import timeline_svg

NS = "{http://www.w3.org/2000/svg}"
D = dt.date


def _parse(svg: str):
    root = ElementTree.fromstring(svg)
    assert root.tag == NS + "svg"
    return root


def _with_class(root, cls: str) -> list:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def _visits() -> pl.DataFrame:
    return pl.DataFrame({
        "date": [D(2015, 1, 1), D(2015, 7, 1), D(2016, 1, 1), D(2016, 4, 1), D(2017, 1, 1)],
        "edss": [3.0, 3.0, 4.0, 4.0, None],
        "nhpt_dominant_s": [22.0, 777.0, 24.5, None, 25.0],
        "t25fw_s": [None, None, None, None, None],
        "sdmt": [50, 48, None, 47, 45],
    })


def _events() -> pl.DataFrame:
    return pl.DataFrame({
        "nevent": [1, 2], "event_type": ["CDW", "CDW"], "cdw_type": ["PIRA", "RAW"],
        "bl_date": [D(2015, 1, 1), D(2015, 1, 1)], "bl_value": [3.0, 3.0],
        "date": [D(2016, 1, 1), D(2016, 4, 1)], "value": [4.0, 4.0],
        "conf84_date": [D(2016, 4, 1), None], "conf84_value": [4.0, None],
        "conf168_date": [None, None], "conf168_value": [None, None],
    }, schema_overrides={"conf168_date": pl.Date, "conf168_value": pl.Float64})


def test_case1_parses_with_title_and_legend() -> None:
    root = _parse(timeline_svg({"visits": _visits()}, _events(), {"conf_days": 84}))
    title = root.find(NS + "title")
    assert title is not None
    assert "2 confirmed events" in title.text
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == title.get("id")
    legend = _with_class(root, "legend")
    assert len(legend) == 1
    words = {t.text for t in legend[0].iter(NS + "text")}
    assert {"baseline visit", "onset", "confirmed", "PIRA", "RAW", "relapse"} <= words
    assert root.find(f".//{NS}script") is None
    assert "style" not in re.sub(r"<title>.*?</title>", "", ElementTree.tostring(root, "unicode"))


def test_case2_one_circle_per_measurement() -> None:
    root = _parse(timeline_svg({"visits": _visits()}, pl.DataFrame(), {"conf_days": 84}))
    visits = _with_class(root, "visit")
    by = {m: [v for v in visits if v.get("data-measure") == m]
          for m in ("edss", "nhpt_dominant_s", "t25fw_s", "sdmt")}
    assert [len(by[m]) for m in by] == [4, 3, 0, 4]  # 777 (unable) is no measurement
    panels = {p.get("data-measure") for p in _with_class(root, "panel")}
    assert panels == {"edss", "nhpt_dominant_s", "sdmt"}  # no T25FW: nothing charted
    tips = [v.find(NS + "title").text for v in by["edss"]]
    assert tips[0] == "2015-01-01: EDSS 3"
    assert "777" not in ElementTree.tostring(root, "unicode")


def test_case3_event_marks_from_the_engine() -> None:
    root = _parse(timeline_svg({"visits": _visits()}, _events(), {"conf_days": 84}))
    assert len(_with_class(root, "ev-baseline")) == 2
    assert len(_with_class(root, "ev-onset")) == 2
    assert len(_with_class(root, "ev-confirm")) == 1  # event 2 has no 84-day confirmation
    labels = [t.text for t in _with_class(root, "ev-label")]
    assert labels == ["#1 PIRA", "#2 RAW"]
    groups = _with_class(root, "event")
    assert [g.get("class") for g in groups] == ["event PIRA", "event RAW"]
    assert groups[0].get("data-measure") is None
    onset = groups[0].find(NS + "polygon").find(NS + "title").text
    assert "onset 2016-01-01, EDSS 4" in onset
    # the marks sit on the EDSS panel, the one holding the events
    edss = next(p for p in _with_class(root, "panel") if p.get("data-measure") == "edss")
    assert len(_with_class(edss, "event")) == 2


def test_case4_confirmation_follows_the_option() -> None:
    events = _events().with_columns(pl.Series("conf168_date", [None, D(2017, 1, 1)]),
                                    pl.Series("conf168_value", [None, 4.5]))
    root = _parse(timeline_svg({"visits": _visits()}, events, {"conf_days": 168}))
    confirms = _with_class(root, "ev-confirm")
    assert len(confirms) == 1
    assert "2017-01-01" in confirms[0].find(NS + "title").text


def test_case5_lanes_spans_and_relapse_lines() -> None:
    tables = {
        "visits": _visits(),
        "administrations": pl.DataFrame({"date": [D(2015, 2, 1), D(2015, 3, 1), None],
                                         "drug": ["methotrexate"] * 3}),
        "relapses": pl.DataFrame({"onset_date": [D(2016, 2, 1)]}),
        "adverse_events": pl.DataFrame({"onset_date": [D(2016, 3, 1)], "term": ["nausea"],
                                        "grade": [1]}),
        "hospitalizations": pl.DataFrame({"admit_date": [D(2016, 5, 1)],
                                          "discharge_date": [D(2016, 5, 9)]}),
        "mri": pl.DataFrame({"date": [D(2015, 6, 1), D(2016, 6, 1)]}),
        "biomarkers": pl.DataFrame({"date": [D(2016, 6, 2)], "marker": ["NfL"],
                                    "value": [12.5], "unit": ["pg/mL"]}),
    }
    root = _parse(timeline_svg(tables, pl.DataFrame(), {"conf_days": 84}))
    marks = _with_class(root, "lane-mark")
    counts = {t: sum(m.get("data-lane") == t for m in marks) for t in
              ("administrations", "relapses", "adverse_events", "hospitalizations", "mri",
               "biomarkers")}
    assert counts == {"administrations": 2, "relapses": 1, "adverse_events": 1,
                      "hospitalizations": 1, "mri": 2, "biomarkers": 1}
    assert len(_with_class(root, "lane-span")) == 1
    assert len(_with_class(root, "relapse-line")) == 3  # one per panel: EDSS, 9HPT, SDMT
    tips = {m.find(NS + "title").text for m in marks}
    assert "samples 2016-06-02: NfL 12.5 pg/mL" in tips
    assert "AEs 2016-03-01: nausea 1" in tips


def test_case6_hostile_labels_stay_text() -> None:
    hostile = ['<script>alert("x")</script>', "a & b", "it's \"quoted\"", "</svg><img src=x>"]
    tables = {
        "visits": _visits(),
        "administrations": pl.DataFrame({"date": [D(2015, 2, 1)] * 4, "drug": hostile}),
        "adverse_events": pl.DataFrame({"onset_date": [D(2016, 3, 1)] * 4, "term": hostile}),
    }
    events = _events().with_columns(pl.Series("cdw_type", ['PIRA"><script>', "R&W"]))
    svg = timeline_svg(tables, events, {"conf_days": 84})
    root = _parse(svg)
    assert not [e for e in root.iter() if e.tag in (NS + "script", NS + "img", "script", "img")]
    assert "<script" not in svg
    assert "<img" not in svg
    texts = [e.text for e in root.iter() if e.text]
    for label in hostile:
        assert f"doses 2015-02-01: {label}" in texts
        assert f"AEs 2016-03-01: {label}" in texts
    assert '#1 PIRA"><script>' in texts
    assert "#2 R&W" in texts
    assert [g.get("class") for g in _with_class(root, "event")] == [
        'event PIRA"><script>', "event R&W"]


_XML_OK = st.characters(exclude_categories=("Cs",))


@settings(max_examples=60, deadline=None)
@given(drug=st.text(_XML_OK, max_size=30), term=st.text(_XML_OK, max_size=30))
def test_case6b_any_text_keeps_the_figure_parsable(drug: str, term: str) -> None:
    tables = {
        "visits": _visits(),
        "administrations": pl.DataFrame({"date": [D(2015, 2, 1)], "drug": [drug]}),
        "adverse_events": pl.DataFrame({"onset_date": [D(2016, 3, 1)], "term": [term]}),
    }
    root = _parse(timeline_svg(tables, pl.DataFrame(), {"conf_days": 84}))
    tips = {m.get("data-lane"): m.find(NS + "title").text for m in _with_class(root, "lane-mark")}
    bad = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
    for lane, label, text in (("administrations", "doses", drug),
                              ("adverse_events", "AEs", term)):
        shown = bad.sub("\ufffd", text)
        day = D(2015, 2, 1) if label == "doses" else D(2016, 3, 1)
        want = f"{label} {day}" + (f": {shown}" if text else "")
        # an XML parser reads every line end as \n; otherwise the text is as charted
        assert tips[lane] == want.replace("\r\n", "\n").replace("\r", "\n")


def test_case7_page_inline_svg(client_for) -> None:
    dora = client_for("dora")
    page = dora.get("/patients/" + quote(EVIL_ID, safe="")).text
    svg = re.search(r"<svg.*?</svg>", page, flags=re.S).group(0)
    root = _parse(svg)
    assert len([v for v in _with_class(root, "visit") if v.get("data-measure") == "edss"]) == 7
    tips = [m.find(NS + "title").text for m in _with_class(root, "lane-mark")
            if m.get("data-lane") == "adverse_events"]
    assert tips == [f"AEs 2016-02-01: {EVIL_TERM} 1"]
    assert EVIL_TERM not in page
    n_events = page.count('<li class="event ')
    assert len(_with_class(root, "ev-onset")) == n_events > 0
    # a viewer sees no free text: the AE's term is not in the tooltip either
    vera = client_for("vera")
    pseudo = vera.app.state.cohort.pseudonym(EVIL_ID)
    svg = re.search(r"<svg.*?</svg>", vera.get(f"/patients/{pseudo}").text, flags=re.S).group(0)
    root = _parse(svg)
    tips = [m.find(NS + "title").text for m in _with_class(root, "lane-mark")
            if m.get("data-lane") == "adverse_events"]
    assert tips == ["AEs 2016-02-01: 1"]
