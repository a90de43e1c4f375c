import pytest

from msrwe.errors import InputError
from msrwe.stats import clopper_pearson, incidence_summary, poisson_rate_ci


# Case 1: four patients, two with events (one recurrent); numbers by hand
def test_hand_example():
    s = incidence_summary(
        events=[0, 2, 1, 0],
        time_to_first=[2.0, 0.5, 1.0, 1.5],
        exposure=[2.0, 2.0, 3.0, 1.5],
        administrations=20,
    )
    st = s.as_stats()
    assert (st["N"], st["n"], st["events"]) == (4, 2, 3)
    assert st["pct"] == 50.0
    assert st["person_years"] == 5.0
    assert st["eair"] == 40.0
    assert st["exposure_years"] == 8.5
    assert st["eaer"] == pytest.approx(300 / 8.5)
    assert st["administrations"] == 20
    assert st["events_per_administration"] == 0.15
    # the intervals are those of the primitives
    assert st["ci_low"] == pytest.approx(100 * clopper_pearson(2, 4).low)
    assert st["eair_ci_high"] == pytest.approx(poisson_rate_ci(2, 5.0).high)
    assert st["eaer_ci_low"] == pytest.approx(poisson_rate_ci(3, 8.5).low)


# Case 2: the section 6 check through the summary: 10 patients with a first event in 250 PY
def test_check_value_through_summary():
    events = [1] * 10 + [0] * 73
    ttf = [250 / 83] * 83
    s = incidence_summary(events, ttf, ttf).as_stats()
    assert round(s["eair"], 2) == 4.0
    assert round(s["eair_ci_low"], 3) == 1.918
    assert round(s["eair_ci_high"], 3) == 7.356
    assert round(s["pct"], 2) == 12.05


# Case 3: without administrations there is no events_per_administration stat
def test_no_administrations():
    st = incidence_summary([1], [1.0], [1.0]).as_stats()
    assert "events_per_administration" not in st


# Case 4: no patient at risk -> NaN numbers, no error
def test_empty():
    st = incidence_summary([], [], []).as_stats()
    assert st["N"] == 0
    assert st["n"] == 0
    assert st["pct"] != st["pct"]  # NaN


@pytest.mark.parametrize(
    ("events", "ttf", "expo", "match"),
    [
        ([1, 0], [1.0], [1.0, 1.0], "one entry per patient"),
        ([1.5], [1.0], [1.0], "whole numbers"),
        ([-1], [1.0], [1.0], "'events'"),
        ([1], [None], [1.0], "'time_to_first'"),
        ([1], [1.0], [-2.0], "'exposure'"),
    ],
)
def test_bad_input(events, ttf, expo, match):
    with pytest.raises(InputError, match=match):
        incidence_summary(events, ttf, expo)


# summarize(): checked against numpy/pandas conventions by hand
def test_summarize():
    from msrwe.stats import summarize

    d = summarize([4.0, 1.0, None, 3.0, 2.0, float("nan")])
    assert d["n"] == 4
    assert d["n_missing"] == 2
    assert d["median"] == 2.5
    assert (d["q1"], d["q3"]) == (1.75, 3.25)
    assert d["sd"] == pytest.approx(1.2909944487358056)
    one = summarize([7.0])
    assert one["sd"] is None
    assert one["median"] == 7.0
    assert summarize([])["mean"] is None


def test_the_old_name_describe_warns():
    import pytest

    import msrwe.stats

    with pytest.warns(DeprecationWarning, match="summarize"):
        assert msrwe.stats.describe is msrwe.stats.summarize
