"""Meta-analysis against R metafor (tests/results/pool/metafor.R -> metafor.csv)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from msrwe.errors import MsrweError
from msrwe.federated import meta_analysis

GOLDEN = Path(__file__).parents[1] / "results" / "pool" / "metafor.csv"
ROWS = pl.read_csv(GOLDEN).to_dicts()


@pytest.mark.parametrize("row", ROWS, ids=[f"{r['case']}-{r['method']}" for r in ROWS])
def test_matches_metafor(row):
    y = [float(v) for v in row["y"].split(";")]
    v = [float(x) for x in row["v"].split(";")]
    m = meta_analysis(y, v, method=row["method"])
    for name in ("estimate", "se", "ci_low", "ci_high", "p", "q", "q_p"):
        assert getattr(m, name) == pytest.approx(row[name], rel=1e-6, abs=1e-9), name
    assert m.tau2 == pytest.approx(row["tau2"], rel=1e-5, abs=1e-8)
    assert m.i2 == pytest.approx(row["i2"], rel=1e-5, abs=1e-6)


def test_case5_one_site_is_its_own_estimate():
    m = meta_analysis([0.4], [0.04], method="REML")
    assert (m.estimate, m.tau2, m.i2) == (0.4, 0.0, 0.0)


@pytest.mark.parametrize(("y", "v", "method"), [([0.1], [0.0], "FE"), ([0.1, 0.2], [0.1], "FE"),
                                        ([0.1, 0.2], [0.1, 0.1], "PM")])
def test_case6_bad_input_is_refused(y, v, method):
    with pytest.raises(MsrweError):
        meta_analysis(y, v, method=method)
