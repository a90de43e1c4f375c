"""Patient-level figures at registry scale (issue 14 item 1): at 100,000 patients every figure
that draws patients draws a sample, says so in its caption, and stays small.

Cases (100,000 patients, two groups, made with numpy; no analysis needed)
-----
1. trajectory: at most 200 lines per panel; caption "random sample of at most 200".
2. swimmer: 150 rows; caption "150 of 100000 patients are shown".
3. course strip: 80 rows; caption "80 of 100000 patients are shown".
4. Kaplan-Meier: censoring ticks at most 200 per curve (before: one per censored patient, a
   10 MB figure); caption says so; the curve and the numbers at risk still use every patient.
5. Kaplan-Meier with few censored patients: every tick drawn, the caption unchanged.
Every figure's SVG stays under 1 MB.
"""

from __future__ import annotations

import base64

import numpy as np
import polars as pl
import pytest

from msrwe.report import figures as fg
from msrwe.report.course_strip import course_strip_figure

N = 100_000


def _svg(fig: fg.ReportFigure) -> str:
    return base64.b64decode(fig.src.split(",", 1)[1]).decode("utf-8")


@pytest.fixture(scope="module")
def cohort() -> dict[str, pl.DataFrame]:
    rng = np.random.default_rng(14)
    ids = np.array([f"P{i:06d}" for i in range(N)])
    grp = np.where(rng.random(N) < 0.8, "SPMS", "PPMS")
    nv = 6
    advs = pl.DataFrame({
        "patient_id": np.repeat(ids, nv),
        "days": (np.tile(np.arange(nv), N) * 180 + rng.integers(0, 30, N * nv)).astype(float),
        "value": rng.normal(5, 1, N * nv), "group": np.repeat(grp, nv)})
    fu = pl.DataFrame({"patient_id": ids, "end_days": rng.integers(100, 4000, N).astype(float),
                       "group": grp}).sort("end_days", descending=True)
    doses = pl.DataFrame({"patient_id": np.repeat(ids, 4),
                          "days": np.tile(np.arange(4) * 66, N).astype(float)})
    tte = pl.DataFrame({"time_days": rng.integers(1, 4000, N).astype(float),
                        "event": (rng.random(N) < 0.3).astype(int), "group": grp})
    adl = pl.DataFrame({"patient_id": np.repeat(ids, 3), "year": np.tile(np.arange(1, 4), N),
                        "activity": rng.choice(["active", "not_active"], 3 * N),
                        "progression": rng.choice(["with", "without"], 3 * N)})
    return {"advs": advs, "fu": fu, "doses": doses, "tte": tte, "adl": adl,
            "groups": pl.DataFrame({"patient_id": ids, "group": grp})}


def test_case1_trajectory_samples_lines(cohort):
    fig = fg.trajectory_figure(cohort["advs"], fig_id="f", title="t", ylabel="EDSS",
                              group="group")
    assert "random sample of at most 200 patients per panel" in fig.caption
    assert len(fig.src) < 1_000_000


def test_case2_swimmer_samples_rows(cohort):
    fig = fg.swimmer_figure(cohort["fu"], doses=cohort["doses"])
    assert f"150 of {N} patients are shown" in fig.caption
    assert len(fig.src) < 1_000_000


def test_case3_course_strip_samples_rows(cohort):
    fig = course_strip_figure(cohort["adl"], groups=cohort["groups"])
    assert f"80 of {N} patients are shown" in fig.caption
    assert len(fig.src) < 1_000_000


def test_case4_km_thins_censoring_ticks(cohort):
    fig = fg.km_figure(cohort["tte"], group="group")
    assert "ticks at 200 of their censoring times, spread evenly" in fig.caption
    assert len(fig.src) < 1_000_000
    # one <use> per tick (matplotlib's markers; glyphs are <use> too, the same in both):
    # two curves, 200 ticks each against 100 each
    fewer = fg.km_figure(cohort["tte"], group="group", max_ticks=100)
    assert _svg(fig).count("<use ") - _svg(fewer).count("<use ") == 2 * 100


def test_case5_km_with_few_censored_draws_every_tick():
    tte = pl.DataFrame({"time_days": [100.0, 200.0, 300.0, 400.0], "event": [1, 0, 0, 1]})
    fig = fg.km_figure(tte, min_at_risk=0)
    assert "spread evenly" not in fig.caption
    one = fg.km_figure(tte, min_at_risk=0, max_ticks=1)  # two censored: thinned to one
    assert "ticks at 1 of their censoring times" in one.caption
    assert _svg(fig).count("<use ") - _svg(one).count("<use ") == 1
