"""The parameters of the natural-history model, and where they come from.

:class:`NaturalHistoryParams` holds every number the visit model (:mod:`msrwe.design.model`)
uses. Two sources fill it:

``published``
    :func:`published_params`: fixed assumptions (noise, practice effects, relapses, baseline
    distributions) plus five progression parameters calibrated by
    :mod:`msrwe.design.calibrate` so that the simulated placebo arm reproduces IMPACT's four
    2-year rates and ORATORIO's 12-week EDSS rate (trial-design.md 3.1). The calibrated values and
    the fit live in ``calibration.json`` beside this module.
``store``
    :func:`msrwe.design.store.store_params`: the same fields estimated from a centre's own charts.

Examples
--------
>>> p = published_params()
>>> p.slope_median["edss"] > 0 and 0 <= p.slope_corr < 1
True
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = ["CALIBRATED", "NaturalHistoryParams", "calibration_record", "published_params"]

#: The parameters the calibration fits (the others are fixed assumptions).
CALIBRATED: tuple[str, ...] = (
    "slope_median.edss", "slope_median.t25fw", "slope_median.nhpt", "slope_corr",
    "ppms_slope_factor",
)


def _ro(d: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(d))


@dataclass(frozen=True)
class NaturalHistoryParams:
    """Every parameter of the visit-level natural-history model (units in the names).

    Attributes
    ----------
    edss_baseline
        Relative frequency of each baseline EDSS (grid value -> weight) per phenotype; the
        design's EDSS range truncates it.
    t25fw_log_mean, t25fw_log_sd, t25fw_per_edss
        Baseline timed 25-foot walk: ``log T25FW ~ N(mean + per_edss * (EDSS - 5), sd)``.
    nhpt_log_mean, nhpt_log_sd, nhpt_per_edss, nhpt_hand_sd
        Baseline 9-hole peg test: the patient's log time, then each hand's own deviation.
    sdmt_mean, sdmt_sd, sdmt_per_edss
        Baseline SDMT (correct answers).
    slope_median
        Median latent progression per year per measure: EDSS points, log-seconds (T25FW, 9HPT),
        SDMT points lost.
    slope_sd
        Log-normal spread of the patient slopes per measure.
    slope_corr
        Correlation of a patient's slopes across measures (one shared frailty).
    hand_slope_sd
        Log-normal spread of each hand's slope around the patient's 9HPT slope.
    ppms_slope_factor
        Multiplies every slope in PPMS (relative to SPMS).
    noise_sd
        Within-patient visit-to-visit noise per measure (EDSS points before rounding, log-seconds,
        SDMT points).
    practice
        Practice effect at its plateau: log-seconds faster (9HPT) or points higher (SDMT).
    practice_visits
        Visits over which the practice effect builds up (e-folding, in visits).
    relapse_rate
        Relapses per patient-year per phenotype.
    relapse_edss_jump
        Mean EDSS rise at a relapse (exponential).
    relapse_residual
        Fraction of the relapse rise that never recovers.
    relapse_recovery_days
        Time constant of the recovery of the rest (days).
    baseline_profiles
        ``store`` only: per phenotype, the baseline profiles of the store's patients (EDSS,
        T25FW s, 9HPT dominant and non-dominant s, SDMT; NaN where not charted), resampled as
        they are instead of the distributions above.
    source
        Where the numbers come from.
    """

    edss_baseline: Mapping[str, Mapping[float, float]] = field(default_factory=lambda: _ro({
        # IMPACT (SPMS): 63% at EDSS 6.0-6.5 (clinical-methods 4.2); ORATORIO (PPMS): mean 4.7.
        "SPMS": _ro({3.0: 0.03, 3.5: 0.05, 4.0: 0.08, 4.5: 0.08, 5.0: 0.06, 5.5: 0.07,
                     6.0: 0.33, 6.5: 0.30}),
        "PPMS": _ro({3.0: 0.10, 3.5: 0.12, 4.0: 0.13, 4.5: 0.11, 5.0: 0.10, 5.5: 0.09,
                     6.0: 0.20, 6.5: 0.15}),
    }))
    t25fw_log_mean: float = 2.05
    t25fw_log_sd: float = 0.35
    t25fw_per_edss: float = 0.22
    nhpt_log_mean: float = 3.30
    nhpt_log_sd: float = 0.25
    nhpt_per_edss: float = 0.06
    nhpt_hand_sd: float = 0.10
    sdmt_mean: float = 45.0
    sdmt_sd: float = 11.0
    sdmt_per_edss: float = -2.5
    slope_median: Mapping[str, float] = field(default_factory=lambda: _ro(
        {"edss": 0.12, "t25fw": 0.12, "nhpt": 0.10, "sdmt": 0.8}))
    slope_sd: Mapping[str, float] = field(default_factory=lambda: _ro(
        {"edss": 1.0, "t25fw": 1.0, "nhpt": 1.0, "sdmt": 1.0}))
    slope_corr: float = 0.6
    hand_slope_sd: float = 0.5
    ppms_slope_factor: float = 1.0
    noise_sd: Mapping[str, float] = field(default_factory=lambda: _ro(
        {"edss": 0.25, "t25fw": 0.08, "nhpt": 0.07, "sdmt": 3.0}))
    practice: Mapping[str, float] = field(default_factory=lambda: _ro(
        {"nhpt": 0.04, "sdmt": 3.0}))
    practice_visits: float = 2.0
    relapse_rate: Mapping[str, float] = field(default_factory=lambda: _ro(
        {"SPMS": 0.10, "PPMS": 0.03}))
    relapse_edss_jump: float = 1.0
    relapse_residual: float = 0.3
    relapse_recovery_days: float = 60.0
    baseline_profiles: Mapping[str, tuple[tuple[float, ...], ...]] | None = None
    source: str = "defaults"

    def replace(self, **changes: Any) -> NaturalHistoryParams:
        """A copy with some fields changed (dotted names such as ``slope_median.edss`` too).

        Examples
        --------
        >>> NaturalHistoryParams().replace(**{"slope_median.edss": 0.3}).slope_median["edss"]
        0.3
        """
        flat: dict[str, Any] = {}
        for k, v in changes.items():
            if "." in k:
                top, sub = k.split(".", 1)
                cur = dict(flat.get(top, getattr(self, top)))
                cur[sub] = v
                flat[top] = _ro(cur)
            else:
                flat[k] = v
        return dataclasses.replace(self, **flat)

    def to_dict(self) -> dict[str, Any]:
        """Plain data (for JSON and the report)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            if f.name == "edss_baseline":
                v = {ph: {str(k): w for k, w in d.items()} for ph, d in v.items()}
            elif f.name == "baseline_profiles":
                v = None if v is None else {ph: len(p) for ph, p in v.items()}
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out


def calibration_record() -> dict[str, Any]:
    """The committed calibration: fitted values, targets and the simulated rates.

    Examples
    --------
    >>> rec = calibration_record()
    >>> sorted(rec["fitted"]) == sorted(CALIBRATED)
    True
    """
    text = resources.files("msrwe.design").joinpath("calibration.json").read_text("utf-8")
    return dict(json.loads(text))


def published_params() -> NaturalHistoryParams:
    """The natural-history parameters calibrated to the published placebo rates."""
    rec = calibration_record()
    return NaturalHistoryParams(source="published (calibrated to IMPACT and ORATORIO placebo "
                                       "arms; msrwe.design.calibrate)").replace(**rec["fitted"])
