"""``[endpoints]`` of the study file: which endpoint analyses run and their options.

Every endpoint analysis runs by default whenever the store holds the data it needs; ``skip``
switches some off. Every option has a documented default (docs/endpoints.md).

Examples
--------
>>> s = EndpointSettings.from_mapping({"skip": ["severity"], "pirma_mri_lookback_days": 365})
>>> s.runs("severity"), s.runs("arr"), s.pirma_mri_lookback_days
(False, True, 365)
>>> EndpointSettings.from_mapping({"skip": ["ARR"]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
msrwe.errors.StudyFileError: study file: endpoints.skip must name analyses among arr, ...
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from msrwe.errors import StudyFileError
from msrwe.study._validate import _fail, _int, _num, _text

__all__ = ["ENDPOINT_ANALYSES", "EndpointSettings"]

#: The endpoint analyses, in report order (their ``analysis`` name in results.csv).
ENDPOINT_ANALYSES: tuple[str, ...] = (
    "arr",
    "mri_activity",
    "t2_lesion_rate",
    "neda",
    "lublin_activity",
    "pirma",
    "biomarker_change",
    "severity",
    "milestone",
    "cox",
)

_SEC = "endpoints"


@dataclass(frozen=True)
class EndpointSettings:
    """``[endpoints]``: the endpoint analyses (reference/endpoints.md) and their options.

    Parameters
    ----------
    skip
        Analyses not to run (names of :data:`ENDPOINT_ANALYSES`).
    relapse_merge_days
        Relapse onsets fewer than this many days after a counted onset are one relapse (30).
    mri_rebaseline_days
        Scans in the first this-many days after the first dose serve only as a new baseline for
        the MRI-free share and the T2 lesion rate (0; endpoints.md 1.1 suggests 180 after a
        switch when a re-baseline scan is done).
    neda_tolerance_days
        NEDA: an EDSS or scan this many days outside a year still documents its start or end (90).
    bvl_threshold_pct
        NEDA-4: annual brain volume loss above this percentage is evidence of disease activity
        (0.4).
    pirma_mri_lookback_days
        PIRMA: no active scan from this many days before the worsening's onset to its
        confirmation (730, Tur 2023).
    pirma_coverage_days
        PIRMA: an evaluable scan must lie within this many days of the onset (180).
    biomarker_relapse_before_days, biomarker_relapse_after_days
        A sample from this many days before to this many days after a relapse onset is
        relapse-proximal (30, 90).
    biomarker_baseline_days
        The baseline sample is the last one up to this many days before the first dose, or the
        first within the same number of days after it (180).
    biomarker_reference
        Path of a reference table for sNfL/GFAP z-scores (docs/endpoints.md, "Serum
        neurofilament light and GFAP"); without one, z-scores come only from the chart.
    msss_matrix, armss_matrix
        Paths of the global MSSS and ARMSS matrix files (docs/endpoints.md, "MS severity");
        without one, the local scores (ranks within the cohort's own data) are reported.
    severity_indexing
        ``ms.sev`` (default) or ``mssev``: which disease-duration row of an MSSS matrix is read.
    milestone_values
        EDSS milestones (4.0, 6.0, 7.0).
    milestone_conf_days
        Confirmation interval of a milestone in days (84, msprog's default).
    """

    skip: tuple[str, ...] = ()
    relapse_merge_days: int = 30
    mri_rebaseline_days: int = 0
    neda_tolerance_days: int = 90
    bvl_threshold_pct: float = 0.4
    pirma_mri_lookback_days: int = 730
    pirma_coverage_days: int = 180
    biomarker_relapse_before_days: int = 30
    biomarker_relapse_after_days: int = 90
    biomarker_baseline_days: int = 180
    biomarker_reference: str | None = None
    msss_matrix: str | None = None
    armss_matrix: str | None = None
    severity_indexing: str = "ms.sev"
    milestone_values: tuple[float, ...] = (4.0, 6.0, 7.0)
    milestone_conf_days: int = 84

    def __post_init__(self) -> None:
        skip = self.skip
        if isinstance(skip, str) or not isinstance(skip, list | tuple) \
                or not all(isinstance(s, str) and s in ENDPOINT_ANALYSES for s in skip):
            raise _fail(_SEC, "skip", "must name analyses among " + ", ".join(ENDPOINT_ANALYSES),
                        skip)
        object.__setattr__(self, "skip", tuple(skip))
        for key in ("relapse_merge_days", "mri_rebaseline_days", "neda_tolerance_days",
                    "pirma_mri_lookback_days", "pirma_coverage_days",
                    "biomarker_relapse_before_days", "biomarker_relapse_after_days",
                    "biomarker_baseline_days"):
            _int(_SEC, key, getattr(self, key), low=0)
        _int(_SEC, "milestone_conf_days", self.milestone_conf_days, low=1)
        object.__setattr__(self, "bvl_threshold_pct",
                           _num(_SEC, "bvl_threshold_pct", self.bvl_threshold_pct, low=0))
        object.__setattr__(self, "biomarker_reference",
                           _text(_SEC, "biomarker_reference", self.biomarker_reference))
        for key in ("msss_matrix", "armss_matrix"):
            object.__setattr__(self, key, _text(_SEC, key, getattr(self, key)))
        if self.severity_indexing not in ("ms.sev", "mssev"):
            raise _fail(_SEC, "severity_indexing", "must be one of ms.sev, mssev",
                        self.severity_indexing)
        vals = self.milestone_values
        if isinstance(vals, str) or not isinstance(vals, list | tuple) or not vals:
            raise _fail(_SEC, "milestone_values", "must be a list of EDSS values", vals)
        nums = tuple(_num(_SEC, "milestone_values", v, low=0.5) for v in vals)
        if any(v > 10 or (2 * v) != int(2 * v) for v in nums):
            raise _fail(_SEC, "milestone_values", "must be EDSS steps (0.5 to 10 by 0.5)", vals)
        object.__setattr__(self, "milestone_values", tuple(sorted(set(nums))))

    def runs(self, analysis: str) -> bool:
        """Whether ``analysis`` is switched on."""
        return analysis not in self.skip

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any] | None, *,
                     source: str = "study file") -> EndpointSettings:
        """Build from the ``[endpoints]`` table of a study file (``None``: every default)."""
        if raw is None:
            return cls()
        if not isinstance(raw, Mapping):
            raise StudyFileError(f"{source}: [endpoints] must be a table of settings; "
                                 f"got {raw!r}.")
        allowed = {f.name for f in fields(cls)}
        for key in raw:
            if key not in allowed:
                raise StudyFileError(
                    f"{source}: unknown key 'endpoints.{key}'. "
                    f"[endpoints] accepts: {', '.join(sorted(allowed))}."
                )
        return cls(**dict(raw))

    def to_dict(self) -> dict[str, Any]:
        """The settings in force as plain TOML-like values."""
        return {k: list(v) if isinstance(v, tuple) else v
                for k, v in dataclasses.asdict(self).items()}
