"""msrwe report --deidentify: no charted patient identifier or birth date anywhere in the HTML.

Issue 14 item 5: the report names patients by random pseudonyms (the appendix, the swimmer plot,
the data report's overview); the key is written apart with --key, or not at all.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from msrwe.cli.main import app
from msrwe.privacy import pseudonym_key

runner = CliRunner()
#: A visit of a patient the charts do not list: quarantined, its id quoted in the appendix.
STRAY = "ZZ-STRAY-77"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from msrwe.io import import_folder
    from msrwe.synth import write_cohort

    root = tmp_path_factory.mktemp("deid_report")
    charts = root / "charts"
    write_cohort(charts, 30, seed=4)
    visits = pl.read_csv(charts / "visits.csv", infer_schema=False)
    stray = visits.head(2).with_columns(patient_id=pl.lit(STRAY))
    pl.concat([visits, stray]).write_csv(charts / "visits.csv")
    import_folder(charts, root / "s.duckdb")
    (root / "shown.toml").write_text('[study]\ntitle = "QA"\nshow_identifiers = true\n'
                                     '[cohort]\ndrug = "methotrexate"\n')
    (root / "nobody.toml").write_text('[cohort]\ndrug = "natalizumab"\n')
    return root / "s.duckdb"


def _secrets(store: Path) -> tuple[list[str], list[str]]:
    patients = pl.read_csv(store.parent / "charts" / "patients.csv", infer_schema=False)
    ids = [*patients["patient_id"].drop_nulls().to_list(), STRAY]
    births = patients["birth_date"].drop_nulls().to_list()
    return ids, births


def _decoded(html: str) -> str:
    """The HTML and the text of its inline SVG/PNG figures (labels may be drawn there)."""
    # the encoded blobs themselves are left out: random base64 text can hold "P012" by chance
    parts = [re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "data:", html)]
    for b64 in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html):
        parts.append(base64.b64decode(b64).decode("utf-8", "replace"))
    return "\n".join(parts)


def _found(values: list[str], text: str) -> list[str]:
    """The values that occur in ``text`` as a whole token (not inside a longer word)."""
    return [v for v in values
            if re.search(rf"(?<![A-Za-z0-9]){re.escape(v)}(?![A-Za-z0-9])", text)]


def _report(store: Path, out: Path, *extra: str) -> str:
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(out), *extra])
    assert res.exit_code == 0, res.output
    return out.read_text()


# Case 1: even with show_identifiers = true, no charted id or birth date is in the report.
def test_case1_no_source_identifier_anywhere(store, tmp_path):
    key = tmp_path / "centre" / "key.csv"
    html = _report(store, tmp_path / "r.html", "--study", str(store.parent / "shown.toml"),
                   "--deidentify", "--key", str(key))
    text = _decoded(html)
    ids, births = _secrets(store)
    assert _found(ids, text) == []
    assert _found(births, text) == []
    # the key table links the pseudonyms back, and they are what the report shows
    k = pl.read_csv(key)
    assert set(ids) <= set(k["patient_id"])
    mapping = dict(k.iter_rows())
    assert mapping[STRAY] in html  # the quarantined stray visit, by its pseudonym
    assert "random pseudonyms" in html


# Case 2: without --deidentify the same study shows the charted ids (the test can fail).
def test_case2_the_ids_are_there_without_deidentify(store, tmp_path):
    html = _report(store, tmp_path / "r.html", "--study", str(store.parent / "shown.toml"))
    assert STRAY in html


# Case 3: the swimmer plot labels its bars by pseudonyms only under --deidentify. Its text is
# drawn as paths, so what it is given is checked: the bars' ids, labels on.
def test_case3_swimmer_bars_labelled_by_pseudonyms(store, tmp_path, monkeypatch):
    from msrwe.report import figures

    seen: list[tuple[list[str], bool]] = []
    original = figures.swimmer_figure

    def spy(followup, **kw):
        seen.append((followup["patient_id"].to_list(), kw.get("labels", False)))
        return original(followup, **kw)

    monkeypatch.setattr(figures, "swimmer_figure", spy)
    key = tmp_path / "key.csv"
    html = _report(store, tmp_path / "r.html", "--deidentify", "--key", str(key))
    assert 'id="fig-swimmer"' in html
    bars, labels = seen[-1]
    pseudonyms = set(pl.read_csv(key)["pseudonym"])
    assert labels
    assert bars
    assert set(bars) <= pseudonyms
    assert not set(bars) & set(_secrets(store)[0])
    assert "Rows are labelled by random pseudonyms" in html
    plain = _report(store, tmp_path / "p.html")
    assert "Rows are labelled by random pseudonyms" not in plain


# Case 4: the data report (the analysis cannot run) names patients by pseudonym too.
def test_case4_data_report_overview(store, tmp_path):
    html = _report(store, tmp_path / "r.html", "--study", str(store.parent / "nobody.toml"),
                   "--deidentify")
    assert "Per-patient overview" in html
    ids, births = _secrets(store)
    text = _decoded(html)
    assert _found(ids, text) == []
    assert _found(births, text) == []


# Case 5: --key without --deidentify, and --deidentify with --export, are refused.
@pytest.mark.parametrize("extra", [["--key", "k.csv"], ["--deidentify", "--export", "exp"]])
def test_case5_refused_combinations(store, tmp_path, extra):
    args = [a if not a.endswith(("csv", "exp")) else str(tmp_path / a) for a in extra]
    res = runner.invoke(app, ["report", "--db", str(store), "--out", str(tmp_path / "r.html"),
                              *args])
    assert res.exit_code == 1
    assert not (tmp_path / "r.html").exists()
    assert not (tmp_path / "exp").exists()


# Case 6: pseudonyms are random, one per id, and not derived from it.
def test_case6_pseudonym_key():
    a = pseudonym_key(["P1", "P2", "P1", None])
    b = pseudonym_key(["P1", "P2"])
    assert a["patient_id"].to_list() == ["P1", "P2"]
    assert a["pseudonym"].n_unique() == 2
    assert a["pseudonym"].to_list() != b["pseudonym"].to_list()  # 32^10 each: never equal
    # drawn, not derived: "S" and 10 characters of an alphabet without I, O, U, Y, whatever the
    # id (an id's characters may turn up inside by chance: "P1" in about 1 pseudonym in 110)
    assert all(re.fullmatch(r"S[0-9ABCDEFGHJKLMNPQRSTVWXZ]{10}", p) for p in a["pseudonym"])
    assert not set(a["pseudonym"]) & {"P1", "P2"}
