"""The committed ``published`` parameters reproduce the published placebo rates (in their CIs)."""

from __future__ import annotations

import pytest

from msrwe.design.calibrate import TARGETS, simulated_rates
from msrwe.design.params import CALIBRATED, calibration_record, published_params


def test_committed_record_is_complete_and_within_cis():
    rec = calibration_record()
    assert sorted(rec["fitted"]) == sorted(CALIBRATED)
    assert [t["key"] for t in rec["targets"]] == [t.key for t in TARGETS]
    for t in rec["targets"]:
        assert t["ci_low"] <= t["simulated"] <= t["ci_high"], t


def test_published_params_reproduce_the_targets_on_fresh_patients():
    # a different seed and fewer patients than the fit: the rates must still fall in the CIs
    rates = simulated_rates(published_params(), n_patients=2500, seed=99)
    for t in TARGETS:
        lo, hi = t.ci
        assert lo <= rates[t.key] <= hi, (t.key, rates[t.key], t.ci)


def test_targets_are_the_reference_numbers():
    got = {t.key: t.rate for t in TARGETS}
    assert got == {"impact_edss": 0.247, "impact_t25fw": 0.419, "impact_nhpt": 0.344,
                   "impact_edss_plus": 0.595, "oratorio_edss": 0.393}
    assert TARGETS[0].ci == pytest.approx((0.1893, 0.3047), abs=1e-3)
