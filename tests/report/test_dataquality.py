"""Data-quality summaries and the per-patient overview, read from the store."""

from __future__ import annotations

from msrwe.report.dataquality import issue_rows, patient_overview, quarantine_summary


def test_quarantine_summary_counts_by_rule(store):
    q = quarantine_summary(store)
    assert q.select("table_name", "column_name", "rule", "rows").rows() == [
        ("visits", "edss", "edss_scale", 2),
        ("administrations", "date", "iso_date", 1),
    ]
    assert q.row(0, named=True)["example_value"] == "0.5"


def test_issue_rows_sorted_by_table_file_row(store):
    rows = issue_rows(store)
    assert rows.select("table_name", "row_number").rows() == [
        ("administrations", 3), ("visits", 14), ("visits", 27)]


def test_warnings_are_separate(store):
    w = quarantine_summary(store, "import_warnings")
    assert w.select("table_name", "rule", "rows").rows() == [("patients", "prms_recoded", 1)]


def test_patient_overview(store):
    ov = patient_overview(store)
    assert ov.height == 12
    first = ov.row(0, named=True)
    # Case: P001 has 6 doses (6 + 0 % 10), one visit per dose, first EDSS 4.0, a headache and
    # a urinary tract infection, no relapse.
    assert first["patient_id"] == "P001"
    assert (first["n_doses"], first["n_visits"], first["edss_first"]) == (6, 6, 4.0)
    assert (first["n_adverse_events"], first["n_relapses"]) == (2, 0)
    assert first["edss_last"] == 4.5


def test_a_row_with_two_problems_counts_once(tmp_path):
    import duckdb

    from msrwe.report.dataquality import quarantined_rows

    db = tmp_path / "s.duckdb"
    con = duckdb.connect(str(db))
    con.execute("create table quarantine (table_name varchar, file varchar, row_number integer,"
                " column_name varchar, value varchar, rule varchar, message varchar)")
    # Case: patients row 36 breaks two rules; visits row 4 one.
    con.execute("insert into quarantine values "
                "('patients', 'patients.csv', 36, 'sex', 'female', 'not_allowed', 'm1'),"
                "('patients', 'patients.csv', 36, 'phenotype', 'SP', 'not_allowed', 'm2'),"
                "('visits', 'visits.csv', 4, 'edss', '0.5', 'edss_half_step', 'm3')")
    con.close()
    assert quarantined_rows(db) == (2, 3)
