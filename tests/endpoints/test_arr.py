"""add_arr: pooled ARR with the exact Poisson interval (endpoints.md 6 check values)."""

import polars as pl
import pytest

from msrwe.endpoints.arr import add_arr
from msrwe.tables.results import ResultsTable


def _adrr(counts, years, groups=None):
    n = len(counts)
    return pl.DataFrame({
        "patient_id": [f"p{i}" for i in range(n)],
        "n_relapses": counts,
        "person_years": years,
        "relapse_event": [c > 0 for c in counts],
        "relapse_time_years": [y / 2 if c else y for c, y in zip(counts, years, strict=True)],
        "group": groups or ["overall"] * n,
    })


@pytest.mark.parametrize(
    ("k", "t", "rate", "low", "high"),
    [(3, 12.5, 0.240, 0.049, 0.701), (0, 4.0, 0.0, 0.0, 0.922), (1, 2.0, 0.500, 0.013, 2.786),
     (224, 320.1, 0.700, 0.611, 0.798), (157, 652.6, 0.241, 0.204, 0.281)],
)
def test_1_pooled_arr_matches_the_reference_check_values(k, t, rate, low, high):
    # one patient carrying all relapses and person-years reproduces the pooled numbers
    data = _adrr([k], [t])
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1])
    got = [r.get("arr", s, variable="relapses") for s in ("arr", "ci_low", "ci_high")]
    assert [round(x, 3) for x in got] == [rate, low, high]


def test_2_pooled_is_not_the_mean_of_individual_rates():
    data = _adrr([2, 0], [1.0, 3.0])
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1])
    assert r.get("arr", "arr", variable="relapses") == pytest.approx(0.5)
    assert r.get("arr", "mean_individual_arr", variable="relapses") == pytest.approx(1.0)


def test_3_patients_without_follow_up_are_left_out_and_groups_reported():
    data = _adrr([1, 0, 5], [2.0, 1.0, 0.0], ["A", "B", "B"])
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1], rate_ratio=False)
    assert r.get("arr", "N", group="B", variable="relapses") == 1
    assert r.get("arr", "relapses", group="overall", variable="relapses") == 1
    assert r.get("arr", "arr", group="A", variable="relapses") == pytest.approx(0.5)


def test_4_relapse_free_kaplan_meier():
    data = _adrr([1, 0, 0, 1], [2.0, 2.0, 2.0, 4.0])  # first relapses at 1.0 and 2.0 years
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1, 3])
    # 1 year: 1 of 4 relapsed -> 0.75; 2 years: 1 event among the 3 at risk -> 0.75 * 2/3
    assert r.get("arr", "survival", variable="relapse_free", level="1") == pytest.approx(0.75)
    assert r.get("arr", "survival", variable="relapse_free", level="3") == pytest.approx(0.5)
    assert r.get("arr", "n_at_risk", variable="relapse_free", level="3") == 0


def test_5_negative_binomial_rate_ratio_on_the_reference_example():
    # endpoints.md 6 worked example: NB2 MLE RR 0.3300, ARR0 0.9113, ARR1 0.3007
    counts = [*[0, 0, 5, 0, 4, 1, 0, 2], *[0, 0, 3, 0, 0, 0, 1, 0]]
    years = [*[2, 1.5, 2, 1, 2, 0.5, 2, 2], *[2, 2, 1.5, 1, 2, 2, 2, 1.5]]
    data = _adrr(counts, [float(y) for y in years], ["arm0"] * 8 + ["arm1"] * 8)
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1])
    assert r.get("arr", "rate_ratio", group="arm1", variable="rate_ratio") == pytest.approx(
        0.3300, abs=5e-4)
    assert r.get("arr", "rate", group="arm0", variable="nb_rate") == pytest.approx(0.9113,
                                                                                 abs=5e-4)
    assert r.get("arr", "rate", group="arm1", variable="nb_rate") == pytest.approx(0.3007,
                                                                                 abs=5e-4)
    assert r.get("arr", "dispersion", group="arm1", variable="rate_ratio") == pytest.approx(
        1.83, abs=0.01)


# Case 6: a group without any event gets "not computed" rate-ratio rows (the NB estimate would
# be a rate of 0), never an error that stops the whole analysis
def test_6_a_group_without_events_is_not_computed():
    counts = [0, 0, 0, 2, 1, 0]
    data = _adrr(counts, [1.0] * 6, ["A"] * 3 + ["B"] * 3)
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1])
    rows = r.to_polars().filter(pl.col("variable") == "rate_ratio")
    assert rows["group"].unique().to_list() == ["B"]
    assert rows["value"].is_null().all()
    assert rows["method"].unique().to_list() == [
        "not computed: no event in group A (the model's estimate would be a rate of 0)"]
    assert r.to_polars().filter(pl.col("variable") == "nb_rate").height == 0


# Case 7: a model the fit refuses (its InputError, stubbed here) is reported as not computed
# with the fit's reason
def test_7_a_model_that_cannot_be_fitted_is_not_computed(monkeypatch):
    import msrwe.stats as stats
    from msrwe.errors import InputError

    def refuse(*_a, **_k):
        raise InputError("negbin_rate_ratio: the model cannot be estimated (reason).")

    monkeypatch.setattr(stats, "negbin_rate_ratio", refuse)
    data = _adrr([1, 0, 2, 1], [1.0] * 4, ["A", "A", "B", "B"])
    r = ResultsTable()
    add_arr(r, adrr=data, adsl=data, km_years=[1])
    rows = r.to_polars().filter(pl.col("variable") == "rate_ratio")
    assert rows["method"].unique().to_list() == [
        "not computed: the model cannot be estimated (reason)."]
