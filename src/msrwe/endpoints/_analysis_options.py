"""The options of the endpoint analyses, as the study file's ``[analyses.<name>]`` sets them.

Each is a frozen record with the defaults of docs/endpoints.md (reference/endpoints.md) that
checks its values when made, naming the study-file key and the rule a wrong value breaks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from msrwe.endpoints.settings import EndpointSettings
from msrwe.study._validate import _fail, _int, _num, _text

__all__ = [
    "ArrOptions",
    "BiomarkerOptions",
    "MilestoneOptions",
    "MriOptions",
    "NedaOptions",
    "PirmaOptions",
    "SeverityOptions",
]


def _days(sec: str, obj: Any, *keys: str) -> None:
    for k in keys:
        _int(f"analyses.{sec}", k, getattr(obj, k), low=0)


@dataclass(frozen=True)
class ArrOptions:
    """``[analyses.arr]``: ``merge_days`` (30): onsets closer to a counted onset are one relapse."""

    merge_days: int = 30

    def __post_init__(self) -> None:
        _days("arr", self, "merge_days")


@dataclass(frozen=True)
class MriOptions:
    """``[analyses.mri_activity]``: ``rebaseline_days`` (0): early scans only re-baseline."""

    rebaseline_days: int = 0

    def __post_init__(self) -> None:
        _days("mri_activity", self, "rebaseline_days")


@dataclass(frozen=True)
class NedaOptions:
    """``[analyses.neda]``: ``tolerance_days`` (90), ``bvl_threshold_pct`` (0.4)."""

    tolerance_days: int = 90
    bvl_threshold_pct: float = 0.4

    def __post_init__(self) -> None:
        _days("neda", self, "tolerance_days")
        object.__setattr__(self, "bvl_threshold_pct", _num(
            "analyses.neda", "bvl_threshold_pct", self.bvl_threshold_pct, low=0))


@dataclass(frozen=True)
class PirmaOptions:
    """``[analyses.pirma]``: ``mri_lookback_days`` (730), ``coverage_days`` (180)."""

    mri_lookback_days: int = 730
    coverage_days: int = 180

    def __post_init__(self) -> None:
        _days("pirma", self, "mri_lookback_days", "coverage_days")


@dataclass(frozen=True)
class BiomarkerOptions:
    """``[analyses.biomarker_change]``: relapse window, baseline window, reference table."""

    relapse_before_days: int = 30
    relapse_after_days: int = 90
    baseline_days: int = 180
    reference: str | None = None

    def __post_init__(self) -> None:
        _days("biomarker_change", self, "relapse_before_days", "relapse_after_days",
              "baseline_days")
        object.__setattr__(self, "reference",
                           _text("analyses.biomarker_change", "reference", self.reference))


@dataclass(frozen=True)
class SeverityOptions:
    """``[analyses.severity]``: ``msss_matrix``, ``armss_matrix`` (files), ``indexing``."""

    msss_matrix: str | None = None
    armss_matrix: str | None = None
    indexing: str = "ms.sev"

    def __post_init__(self) -> None:
        for k in ("msss_matrix", "armss_matrix"):
            object.__setattr__(self, k, _text("analyses.severity", k, getattr(self, k)))
        if self.indexing not in ("ms.sev", "mssev"):
            raise _fail("analyses.severity", "indexing", "must be one of ms.sev, mssev",
                        self.indexing)


@dataclass(frozen=True)
class MilestoneOptions:
    """``[analyses.milestone]``: ``values`` ([4.0, 6.0, 7.0]), ``conf_days`` (84)."""

    values: tuple[float, ...] = (4.0, 6.0, 7.0)
    conf_days: int = 84

    def __post_init__(self) -> None:
        s = EndpointSettings(milestone_values=self.values, milestone_conf_days=self.conf_days)
        object.__setattr__(self, "values", s.milestone_values)
