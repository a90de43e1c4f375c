"""Figures: what they draw, when they sample, and their captions and alt text."""

from __future__ import annotations

import base64

import numpy as np
import polars as pl
import pytest

from msrwe.report.figures import (
    _km_steps,
    interval_figure,
    km_figure,
    swimmer_figure,
    trajectory_figure,
)


def _svg(fig) -> str:
    return base64.b64decode(fig.src.split(",", 1)[1]).decode()


def test_the_curve_is_the_one_kaplan_meier_of_stats():
    from lifelines import KaplanMeierFitter

    rng = np.random.default_rng(3)
    t = rng.integers(1, 60, 80).astype(float)
    e = rng.random(80) < 0.4
    xs, ys = _km_steps(t, e)
    kmf = KaplanMeierFitter().fit(t, e)
    ref = kmf.survival_function_.iloc[:, 0]
    for x, y in zip(xs[1:], ys[1:], strict=True):
        assert y == pytest.approx(ref.loc[x])


def test_kaplan_meier_case_by_hand():
    # Case: 4 patients; events at 1 and 2, censored at 2 and 3 -> S = 3/4, then 3/4 * 2/3,
    # flat to the last follow-up at 3
    xs, ys = _km_steps(np.array([1.0, 2.0, 2.0, 3.0]), np.array([1, 1, 0, 0]))
    assert xs.tolist() == [0.0, 1.0, 2.0, 3.0]
    assert ys.tolist() == pytest.approx([1.0, 0.75, 0.5, 0.5])


def test_the_old_figure_kaplan_meier_name_warns():
    import msrwe.report.figures as fg

    with pytest.warns(DeprecationWarning, match="msrwe.stats.kaplan_meier"):
        assert fg.kaplan_meier is _km_steps


def _visits(n_patients: int, per: int = 8) -> pl.DataFrame:
    ids = np.repeat([f"P{i:05d}" for i in range(n_patients)], per)
    days = np.tile(np.arange(per) * 120, n_patients)
    return pl.DataFrame({"patient_id": ids, "days": days,
                         "value": np.tile(np.linspace(4, 6, per), n_patients),
                         "group": np.where(np.arange(len(ids)) % 2, "SPMS", "PPMS")})


def test_trajectory_samples_lines_and_says_so():
    fig = trajectory_figure(_visits(500), fig_id="f", title="EDSS", ylabel="EDSS",
                            max_lines=50)
    assert "random sample of at most 50 patients" in fig.caption
    assert "500 patients" in fig.caption
    assert fig.alt.startswith("Line chart of EDSS")


def test_trajectory_small_cohort_not_sampled():
    fig = trajectory_figure(_visits(10), fig_id="f", title="EDSS", ylabel="EDSS")
    assert "sample" not in fig.caption


def test_trajectory_cap_leaves_out_unable_values():
    v = _visits(5).with_columns(
        pl.when(pl.col("days") == 0).then(777.0).otherwise(pl.col("value")).alias("value"))
    fig = trajectory_figure(v, fig_id="f", title="9HPT", ylabel="s", cap=300)
    assert "5 values above 300" in fig.caption


def test_swimmer_samples_large_cohorts():
    fu = pl.DataFrame({"patient_id": [f"P{i}" for i in range(400)],
                       "end_days": np.arange(400) * 3.0})
    fig = swimmer_figure(fu, max_patients=150)
    assert "150 of 400 patients are shown" in fig.caption


def test_swimmer_marks_serious_events():
    fu = pl.DataFrame({"patient_id": ["A", "B"], "end_days": [500.0, 300.0]})
    ae = pl.DataFrame({"patient_id": ["A", "B"], "days": [10, 20], "serious": [True, False]})
    # matplotlib names each legend entry in an SVG comment
    assert "serious adverse event" in _svg(swimmer_figure(fu, adverse_events=ae))
    mild = ae.with_columns(pl.lit(False).alias("serious"))
    assert "serious adverse event" not in _svg(swimmer_figure(fu, adverse_events=mild))


def test_interval_window_in_caption():
    fig = interval_figure(pl.DataFrame({"interval_days": [None] + [60] * 99 + [400]}),
                          window=(56, 77))
    assert "Shaded: the regimen window, 56–77 days." in fig.caption
    assert "1 longer intervals" in fig.caption


def test_empty_inputs_give_no_figure():
    empty = pl.DataFrame({"patient_id": [], "days": [], "value": []})
    assert trajectory_figure(empty, fig_id="f", title="t", ylabel="y") is None
    assert km_figure(pl.DataFrame({"time_days": [], "event": []})) is None
    assert interval_figure(pl.DataFrame({"interval_days": [None]})) is None
    assert swimmer_figure(pl.DataFrame({"patient_id": [], "end_days": []})) is None


def test_figures_are_reproducible():
    a = trajectory_figure(_visits(20), fig_id="f", title="t", ylabel="y")
    b = trajectory_figure(_visits(20), fig_id="f", title="t", ylabel="y")
    assert a.src == b.src
