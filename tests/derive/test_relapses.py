import datetime as dt

import polars as pl

from msrwe.derive.relapses import filter_confirmed_relapses


def _rel(confirmed):
    n = len(confirmed)
    return pl.DataFrame(
        {
            "patient_id": ["p"] * n,
            "onset_date": [dt.date(2020, 1, 1 + i) for i in range(n)],
            "confirmed": pl.Series(confirmed, dtype=pl.Boolean),
        }
    )


def test_case1_unconfirmed_relapses_are_left_out():
    out = filter_confirmed_relapses(_rel([True, False, True]))
    assert out["onset_date"].to_list() == [dt.date(2020, 1, 1), dt.date(2020, 1, 3)]


def test_case2_missing_status_means_confirmed():
    assert filter_confirmed_relapses(_rel([None, None])).height == 2


def test_case3_table_without_the_column_is_returned_whole():
    r = _rel([False]).drop("confirmed")
    assert filter_confirmed_relapses(r).equals(r)


def test_case4_input_is_not_changed():
    r = _rel([True, False])
    filter_confirmed_relapses(r)
    assert r.height == 2


def test_case5_an_unconfirmed_relapse_no_longer_makes_a_worsening_raw():
    """The relapse next to the onset makes the event RAW only while it counts."""
    from msrwe.derive.outcomes import detect_events

    visits = pl.DataFrame(
        {
            "patient_id": ["p"] * 5,
            "date": [dt.date(2020, 1, 1) + dt.timedelta(days=d) for d in (0, 120, 240, 360, 480)],
            "edss": [4.0, 4.0, 5.0, 5.0, 5.0],
        }
    )
    relapses = pl.DataFrame(
        {"patient_id": ["p"], "onset_date": [dt.date(2020, 8, 10)], "confirmed": [False]}
    )
    as_given = detect_events(visits, relapses, event="multiple", baseline="roving", RAW_PIRA=True)
    confirmed = detect_events(
        visits, filter_confirmed_relapses(relapses), event="multiple", baseline="roving",
        RAW_PIRA=True,
    )
    assert as_given.events["cdw_type"].to_list() == ["RAW"]
    assert confirmed.events["cdw_type"].to_list() == ["PIRA"]
