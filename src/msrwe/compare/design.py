"""``[compare]``: the design of a comparative-effectiveness study, as one frozen value object.

The section states a target trial emulated from the charts (comparative-effectiveness.md 2.1 and
2.4; Simoneau et al., *Mult Scler* 2022;28:1467): which treatment strategies are compared (the
arms), who is eligible at the index date (the first dose of the arm's drug), which covariates
are measured at index, how confounding is handled (propensity-score matching or weighting), how
follow-up is counted (intention to treat or on treatment; pairwise or per-arm censoring) and
which outcomes are compared. Every key has a default except ``arms``; an unknown key or a bad
value is refused with a :class:`~msrwe.errors.StudyFileError` naming ``compare.<key>``.

Examples
--------
>>> d = CompareDesign.from_dict({"arms": ["methotrexate", "rituximab"]})
>>> d.reference, d.comparators, d.method, d.caliper, d.censoring, d.follow_up
('methotrexate', ('rituximab',), 'matching', 0.2, 'pairwise', 'itt')
>>> CompareDesign.from_dict({"arms": ["methotrexate"]})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
msrwe.errors.StudyFileError: study file: compare.arms must name at least two treatments...
>>> CompareDesign.from_dict({"arms": ["a", "b"], "calliper": 0.1})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
msrwe.errors.StudyFileError: study file: unknown key 'compare.calliper'. [compare] accepts: ...
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from msrwe._validate import _choice, _date, _fail, _int, _num, _str_tuple, _text
from msrwe.errors import StudyFileError

__all__ = [
    "COVARIATES",
    "DEFAULT_COVARIATES",
    "OPTIONAL_COVARIATES",
    "OUTCOMES",
    "CompareDesign",
]

_SEC = "compare"
_PHENOTYPES = ("CIS", "RRMS", "SPMS", "PPMS")
_ROUTES = ("intrathecal", "iv", "oral", "sc", "im")

#: Covariates measured at index that the design may name, with their meaning.
COVARIATES: dict[str, str] = {
    "age": "age at index (years)",
    "sex": "sex (female vs not)",
    "disease_duration": "years from MS onset (or diagnosis) to index",
    "edss": "baseline EDSS (last score in the baseline window up to index)",
    "relapses_2y": "confirmed relapses in the 2 years before index",
    "prior_dmts": "number of distinct earlier disease-modifying treatments",
    "phenotype": "phenotype (CIS, RRMS, SPMS, PPMS)",
    "mri_active": "MRI activity (a Gd-enhancing or new T2 lesion) in the year before index",
    "snfl": "serum neurofilament light chain (pg/mL), last value in the year before index",
}
#: The default covariate set (comparative-effectiveness.md 2.1, the CORe/MSBase recipe).
DEFAULT_COVARIATES: tuple[str, ...] = (
    "age", "sex", "disease_duration", "edss", "relapses_2y", "prior_dmts", "phenotype",
)
#: Covariates added to the default set when the store charts them (mri, biomarkers tables).
OPTIONAL_COVARIATES: tuple[str, ...] = ("mri_active", "snfl")
#: Outcomes the comparison can compare (each confirmed by msrwe's outcome engine).
OUTCOMES: dict[str, str] = {
    "edss": "confirmed EDSS worsening",
    "nhpt": "confirmed 9-hole peg test worsening (20%)",
    "t25fw": "confirmed timed 25-foot walk worsening (20%)",
    "edss_plus": "confirmed EDSS-Plus worsening",
    "pira": "progression independent of relapse activity (PIRA, EDSS)",
}
_METHODS = ("matching", "weighting")
_ESTIMANDS = ("ate", "att", "ato")
_CENSORING = ("pairwise", "arm")
_FOLLOW_UP = ("itt", "on_treatment")
_MISSING = ("complete_case", "indicator")


# The checks are the study file's own (msrwe._validate): the same rules (finite numbers within
# bounds) and the same messages ("study file: compare.<key> <rule>; got <value as TOML>.").


def _bool(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise _fail(_SEC, key, "must be true or false", value)
    return value


def _opt_num(key: str, value: object, *, low: float = 0.0) -> float | None:
    if value is None or value is False:
        return None
    return _num(_SEC, key, value, low=low)


@dataclass(frozen=True)
class CompareDesign:
    """``[compare]``: a comparison of two or more treatments (docs/compare.md lists every key).

    Parameters
    ----------
    arms
        Drugs compared (lower-case generic names), two or more. An arm's index date is its first
        dose within ``index_from`` .. ``index_to``.
    reference
        The reference arm (hazard and rate ratios are each other arm vs it); default the first.
    routes
        Optional route per arm, e.g. ``{methotrexate = "intrathecal"}``; other arms any route.
    allow_switch
        ``false`` (default): a patient who received two arms' drugs belongs to the arm started
        first. ``true``: every start of an arm's drug is a new index with its own baseline, and
        its follow-up ends at the patient's next index.
    index_from, index_to
        Inclusive window of index dates.
    phenotypes
        Phenotypes eligible at index; empty keeps all.
    edss_min, edss_max
        Inclusive range of the baseline EDSS; a patient without one fails a range that is set.
    min_history_days
        Days of chart history (the first visit) required before index (0).
    washout_days
        No other disease-modifying treatment may be ongoing or given in this many days before
        index (0: no washout).
    baseline_window_days
        The baseline EDSS is the last score from this many days before index up to index (180).
    covariates
        Covariates of the propensity model (:data:`COVARIATES`). Empty (the default) means
        :data:`DEFAULT_COVARIATES` plus MRI activity and sNfL when the store charts them.
    missing
        ``complete_case`` (default): patients missing a covariate are left out (an attrition
        row). ``indicator``: a missing value is set to the median and a ``<name>_missing`` 0/1
        covariate is added.
    method
        ``matching`` (nearest neighbour on the logit of the propensity score) or ``weighting``.
    caliper
        Matching caliper in standard deviations of the logit of the propensity score (0.2).
    ratio
        Each patient of a comparator arm (the "treated" of the matching) gets up to this many
        reference-arm matches within the caliper (1: 1:1 matching; k: variable 1:k).
    replace
        Match with replacement; a patient used k times gets weight 1/k per use.
    estimand
        Weighting estimand: ``ate`` (stabilised IPTW), ``att`` or ``ato`` (overlap weights).
    truncate_percentiles
        ``[low, high]`` percentiles at which weights are truncated (none by default).
    max_weight
        Largest weight kept (weights above it are set to it); none by default.
    propensity_penalty
        L2 penalty of the propensity model on the standardised coefficients (0: ordinary
        maximum likelihood).
    censoring
        ``pairwise`` (each matched set's follow-up cut to the shortest; matching only) or ``arm``.
    follow_up
        ``itt`` (to the last assessment) or ``on_treatment`` (censored at the stop of the arm's
        drug plus ``grace_days``, or at the start of another treatment, whichever comes first).
    grace_days
        Grace period after the stop of the drug under ``on_treatment`` (90).
    outcomes
        Outcomes compared (:data:`OUTCOMES`); each is confirmed under the study's ``[outcomes]``.
    adjust_residual
        Add covariates with residual imbalance (|SMD| >= ``residual_smd``) to the outcome models.
    residual_smd
        The residual-imbalance threshold (0.1).
    rmst_years
        Horizon of the restricted mean survival time when proportional hazards fail (default: the
        shortest of the arms' longest follow-up).
    """

    arms: tuple[str, ...] = ()
    reference: str | None = None
    routes: Mapping[str, str] = field(default_factory=dict)
    allow_switch: bool = False
    index_from: dt.date | None = None
    index_to: dt.date | None = None
    phenotypes: tuple[str, ...] = ()
    edss_min: float | None = None
    edss_max: float | None = None
    min_history_days: int = 0
    washout_days: int = 0
    baseline_window_days: int = 180
    covariates: tuple[str, ...] = ()
    missing: str = "complete_case"
    method: str = "matching"
    caliper: float = 0.2
    ratio: int = 1
    replace: bool = False
    estimand: str = "ate"
    truncate_percentiles: tuple[float, float] | None = None
    max_weight: float | None = None
    propensity_penalty: float = 0.0
    censoring: str = "pairwise"
    follow_up: str = "itt"
    grace_days: int = 90
    outcomes: tuple[str, ...] = ("edss",)
    adjust_residual: bool = False
    residual_smd: float = 0.1
    rmst_years: float | None = None

    def __post_init__(self) -> None:
        arms = tuple(a.strip().lower() for a in _str_tuple(_SEC, "arms", self.arms))
        if len(arms) < 2:
            raise _fail(_SEC, "arms", "must name at least two treatments, e.g. "
                        '["methotrexate", "rituximab"]', self.arms)
        if any(not a for a in arms) or len(set(arms)) != len(arms):
            raise _fail(_SEC, "arms", "must name distinct, non-empty treatments", self.arms)
        object.__setattr__(self, "arms", arms)
        ref = _text(_SEC, "reference", self.reference, lower=True)
        if ref is None:
            ref = arms[0]
        elif ref not in arms:
            raise _fail(_SEC, "reference", f"must be one of the arms ({', '.join(arms)})", ref)
        object.__setattr__(self, "reference", ref)
        if not isinstance(self.routes, Mapping):
            raise _fail(_SEC, "routes", 'must be a table such as {methotrexate = "intrathecal"}',
                        self.routes)
        routes: dict[str, str] = {}
        for arm, route in self.routes.items():
            if arm.lower() not in arms:
                raise _fail(_SEC, "routes", f"names {arm!r}, which is not an arm",
                            dict(self.routes))
            routes[arm.lower()] = _choice(_SEC, f"routes.{arm}", route, _ROUTES)
        object.__setattr__(self, "routes", routes)
        _bool("allow_switch", self.allow_switch)
        for key in ("index_from", "index_to"):
            object.__setattr__(self, key, _date(_SEC, key, getattr(self, key)))
        if self.index_from and self.index_to and self.index_from > self.index_to:
            raise _fail(_SEC, "index_from", f"must not be after index_to ({self.index_to})",
                        self.index_from)
        phen = tuple(p.upper() for p in _str_tuple(_SEC, "phenotypes", self.phenotypes))
        for p in phen:
            _choice(_SEC, "phenotypes", p, _PHENOTYPES)
        object.__setattr__(self, "phenotypes", phen)
        for key in ("edss_min", "edss_max"):
            v = getattr(self, key)
            if v is not None:
                v = _num(_SEC, key, v, low=0)
                if v > 10:
                    raise _fail(_SEC, key, "must be an EDSS between 0 and 10", v)
                object.__setattr__(self, key, v)
        if self.edss_min is not None and self.edss_max is not None and (
            self.edss_min > self.edss_max
        ):
            raise _fail(_SEC, "edss_min", f"must not exceed edss_max ({self.edss_max})",
                        self.edss_min)
        for key in ("min_history_days", "washout_days", "baseline_window_days", "grace_days"):
            _int(_SEC, key, getattr(self, key), low=0)
        covs = tuple(c.lower() for c in _str_tuple(_SEC, "covariates", self.covariates))
        for c in covs:
            _choice(_SEC, "covariates", c, tuple(COVARIATES))
        if len(set(covs)) != len(covs):
            raise _fail(_SEC, "covariates", "must not name a covariate twice", self.covariates)
        object.__setattr__(self, "covariates", covs)
        _choice(_SEC, "missing", self.missing, _MISSING)
        _choice(_SEC, "method", self.method, _METHODS)
        cal = _num(_SEC, "caliper", self.caliper, low=0)
        if cal == 0:
            raise _fail(_SEC, "caliper", "must be more than 0 (in SD of the logit of the "
                        "propensity score; 0.2 is usual)", self.caliper)
        object.__setattr__(self, "caliper", cal)
        _int(_SEC, "ratio", self.ratio, low=1)
        _bool("replace", self.replace)
        _choice(_SEC, "estimand", self.estimand, _ESTIMANDS)
        tp = self.truncate_percentiles
        if tp is not None:
            if isinstance(tp, str) or not isinstance(tp, list | tuple) or len(tp) != 2:
                raise _fail(_SEC, "truncate_percentiles", "must be two percentiles [low, high]",
                            tp)
            lo = _num(_SEC, "truncate_percentiles", tp[0], low=0)
            hi = _num(_SEC, "truncate_percentiles", tp[1], low=0)
            if not lo < hi <= 100:
                raise _fail(_SEC, "truncate_percentiles", "must be [low, high] with "
                            "0 <= low < high <= 100", tp)
            object.__setattr__(self, "truncate_percentiles", (lo, hi))
        mw = _opt_num("max_weight", self.max_weight)
        if mw is not None and mw <= 1:
            raise _fail(_SEC, "max_weight", "must be more than 1 (10 is usual)", self.max_weight)
        object.__setattr__(self, "max_weight", mw)
        object.__setattr__(self, "propensity_penalty",
                           _num(_SEC, "propensity_penalty", self.propensity_penalty, low=0))
        _choice(_SEC, "censoring", self.censoring, _CENSORING)
        if self.censoring == "pairwise" and self.method != "matching":
            raise _fail(_SEC, "censoring", 'can be "pairwise" only with method = "matching" '
                        '(weighting has no pairs); use censoring = "arm"', self.censoring)
        _choice(_SEC, "follow_up", self.follow_up, _FOLLOW_UP)
        outs = tuple(o.lower() for o in _str_tuple(_SEC, "outcomes", self.outcomes))
        if not outs:
            raise _fail(_SEC, "outcomes", "must name at least one outcome", self.outcomes)
        for o in outs:
            _choice(_SEC, "outcomes", o, tuple(OUTCOMES))
        object.__setattr__(self, "outcomes", tuple(dict.fromkeys(outs)))
        _bool("adjust_residual", self.adjust_residual)
        rs = _num(_SEC, "residual_smd", self.residual_smd, low=0)
        if rs == 0:
            raise _fail(_SEC, "residual_smd", "must be more than 0", self.residual_smd)
        object.__setattr__(self, "residual_smd", rs)
        ry = _opt_num("rmst_years", self.rmst_years)
        if ry is not None and ry == 0:
            raise _fail(_SEC, "rmst_years", "must be more than 0", self.rmst_years)
        object.__setattr__(self, "rmst_years", ry)

    @property
    def comparators(self) -> tuple[str, ...]:
        """The arms compared with the reference, in the order given."""
        return tuple(a for a in self.arms if a != self.reference)

    def covariates_for(self, *, has_mri: bool, has_snfl: bool) -> tuple[str, ...]:
        """The covariates in force: the given list, or the default set plus what is charted.

        Examples
        --------
        >>> d = CompareDesign(arms=("a", "b"))
        >>> d.covariates_for(has_mri=False, has_snfl=True)[-2:]
        ('phenotype', 'snfl')
        """
        if self.covariates:
            return self.covariates
        extra = (("mri_active",) if has_mri else ()) + (("snfl",) if has_snfl else ())
        return DEFAULT_COVARIATES + extra

    @classmethod
    def from_dict(cls, raw: object, *, source: str = "study file") -> CompareDesign:
        """Build the design from the ``[compare]`` table of a study file.

        Raises
        ------
        StudyFileError
            For an unknown key or a value a key does not accept; the message names the key.
        """
        if not isinstance(raw, Mapping):
            raise StudyFileError(f"{source}: [compare] must be a table of settings; got {raw!r}.")
        allowed = {f.name for f in fields(cls)}
        for key in raw:
            if key not in allowed:
                raise StudyFileError(
                    f"{source}: unknown key 'compare.{key}'. "
                    f"[compare] accepts: {', '.join(sorted(allowed))}."
                )
        if "arms" not in raw:
            raise StudyFileError(
                f'{source}: [compare] needs arms, e.g. arms = ["methotrexate", "rituximab"].'
            )
        try:
            return cls(**dict(raw))
        except StudyFileError as exc:
            msg = str(exc)
            if source != "study file" and msg.startswith("study file:"):
                msg = source + msg[len("study file"):]
            raise StudyFileError(msg) from None

    def to_dict(self) -> dict[str, Any]:
        """The settings in force as plain TOML-like values (``None`` for unset keys)."""
        out: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, tuple):
                v = list(v)
            elif isinstance(v, Mapping):
                v = dict(v)
            out[f.name] = v
        return out

    @classmethod
    def from_results(cls, results: Any) -> CompareDesign | None:
        """The design recorded in a results table's ``compare_design`` rows (or ``None``).

        Examples
        --------
        >>> import json, polars as pl
        >>> d = CompareDesign(arms=("a", "b"), caliper=0.1)
        >>> rows = pl.DataFrame({"analysis": "compare_design", "variable": list(d.to_dict()),
        ...                      "label": [json.dumps(v, default=str)
        ...                                for v in d.to_dict().values()]})
        >>> CompareDesign.from_results(rows) == d
        True
        """
        import json

        import polars as pl

        rows = results.filter(pl.col("analysis") == "compare_design")
        if rows.is_empty():
            return None
        raw = {k: json.loads(v) for k, v in zip(rows["variable"], rows["label"], strict=True)}
        return cls.from_dict(raw, source="results table")

    def with_changes(self, **changes: Any) -> CompareDesign:
        """A copy with some keys changed (validated again)."""
        return dataclasses.replace(self, **changes)
