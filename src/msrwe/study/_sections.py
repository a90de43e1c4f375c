"""The study file's plain sections (all but ``[outcomes]`` and ``[compare]``).

``[study]``, ``[cohort]``, ``[analysis]``, ``[exposure]``, ``[safety]``, ``[privacy]`` and
``[report]``: each is a frozen, validated value object; :mod:`msrwe.study.config` assembles
them (with ``[outcomes]``) into a :class:`~msrwe.study.config.Study` and re-exports them.

Examples
--------
>>> SafetySettings().risk_window_days
90
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from msrwe.schema import PHENOTYPES, ROUTES, STOP_REASONS
from msrwe.study._validate import _choice, _date, _fail, _int, _num, _str_tuple, _text

__all__ = [
    "AE_GROUPINGS",
    "GROUP_BY_CHOICES",
    "AnalysisSettings",
    "CohortCriteria",
    "ExposureSettings",
    "PriorTreatmentCriteria",
    "PrivacySettings",
    "ReportSettings",
    "SafetySettings",
    "StudyInfo",
]

#: Columns of ``patients`` the analyses can be grouped by; ``"none"`` gives the overall only.
GROUP_BY_CHOICES: tuple[str, ...] = ("phenotype", "sex", "site", "none")
#: How adverse events are grouped: by the verbatim term or the MedDRA preferred-term code.
AE_GROUPINGS: tuple[str, ...] = ("term", "pt_code")
_ZERO_METHODS = ("wilcox", "pratt", "zsplit")
_P_METHODS = ("auto", "exact", "approx")


@dataclass(frozen=True)
class StudyInfo:
    """``[study]``: what the study is called.

    Parameters
    ----------
    title
        Title of the report and of the methods paragraph.
    description
        Free text shown under the title.
    show_identifiers
        Show patient identifiers, birth dates and free text where the report quotes chart
        values (the quarantine appendix); withheld by default (false).
    """

    title: str = "msrwe analysis"
    description: str = ""
    show_identifiers: bool = False

    def __post_init__(self) -> None:
        _text("study", "title", self.title)
        if not isinstance(self.description, str):
            raise _fail("study", "description", "must be text", self.description)
        if not isinstance(self.show_identifiers, bool):
            raise _fail("study", "show_identifiers", "must be true or false",
                        self.show_identifiers)


@dataclass(frozen=True)
class PriorTreatmentCriteria:
    """``[cohort.prior_treatment]``: prior treatment failure (clinical-methods 7, template [D]).

    Courses of ``treatments`` are grouped by drug; courses of one drug separated by at most
    ``merge_gap_days`` are merged. A drug counts as failed when a merged course lasted at least
    ``min_days`` and stopped for one of ``reasons``. The criterion holds when at least
    ``min_drugs`` distinct drugs failed before the first dose of the study drug.

    Parameters
    ----------
    min_drugs
        Number of distinct failed drugs required; 0 (the default) switches the criterion off.
    min_days
        Minimum duration of a course, in days, to count as adequate (365).
    reasons
        Stop reasons that make an adequate course a failure (inefficacy, intolerance).
    merge_gap_days
        Courses of the same drug at most this many days apart are one course (90).
    count_study_drug
        Whether earlier courses of the study drug itself count (false).
    """

    min_drugs: int = 0
    min_days: int = 365
    reasons: tuple[str, ...] = ("inefficacy", "intolerance")
    merge_gap_days: int = 90
    count_study_drug: bool = False

    def __post_init__(self) -> None:
        sec = "cohort.prior_treatment"
        _int(sec, "min_drugs", self.min_drugs, low=0)
        _int(sec, "min_days", self.min_days, low=0)
        _int(sec, "merge_gap_days", self.merge_gap_days, low=0)
        if not isinstance(self.count_study_drug, bool):
            raise _fail(sec, "count_study_drug", "must be true or false", self.count_study_drug)
        reasons = _str_tuple(sec, "reasons", self.reasons)
        if not reasons:
            raise _fail(sec, "reasons", "must name at least one stop reason", self.reasons)
        for r in reasons:
            _choice(sec, "reasons", r, STOP_REASONS)
        object.__setattr__(self, "reasons", reasons)

    @property
    def active(self) -> bool:
        """Whether the criterion is switched on (``min_drugs`` > 0)."""
        return self.min_drugs > 0


@dataclass(frozen=True)
class CohortCriteria:
    """``[cohort]``: who qualifies. Each criterion is one row of the attrition table.

    Parameters
    ----------
    drug
        Generic name of the study drug (lower case). ``None`` means the most-given drug.
    route
        Route of the study drug's administrations; ``None`` accepts any route.
    min_administrations
        Minimum number of administrations of the drug (by the route) per patient (1).
    phenotypes
        Phenotypes to keep; empty keeps all.
    baseline_edss_min, baseline_edss_max
        Inclusive range of the baseline EDSS (see ``analysis.baseline_window_days``);
        a patient without baseline EDSS fails a range that is set.
    first_dose_from, first_dose_to
        Inclusive range of dates of the first dose of the study drug.
    prior_treatment
        Prior treatment failure, see :class:`PriorTreatmentCriteria`.
    """

    drug: str | None = None
    route: str | None = None
    min_administrations: int = 1
    phenotypes: tuple[str, ...] = ()
    baseline_edss_min: float | None = None
    baseline_edss_max: float | None = None
    first_dose_from: dt.date | None = None
    first_dose_to: dt.date | None = None
    prior_treatment: PriorTreatmentCriteria = field(default_factory=PriorTreatmentCriteria)

    def __post_init__(self) -> None:
        sec = "cohort"
        object.__setattr__(self, "drug", _text(sec, "drug", self.drug, lower=True))
        route = _text(sec, "route", self.route, lower=True)
        if route is not None:
            _choice(sec, "route", route, ROUTES)
        object.__setattr__(self, "route", route)
        _int(sec, "min_administrations", self.min_administrations, low=1)
        phen = tuple(p.upper() for p in _str_tuple(sec, "phenotypes", self.phenotypes))
        for p in phen:
            _choice(sec, "phenotypes", p, PHENOTYPES)
        object.__setattr__(self, "phenotypes", phen)
        for key in ("baseline_edss_min", "baseline_edss_max"):
            v = getattr(self, key)
            if v is not None:
                v = _num(sec, key, v, low=0)
                if v > 10:
                    raise _fail(sec, key, "must be an EDSS between 0 and 10", v)
                object.__setattr__(self, key, v)
        lo, hi = self.baseline_edss_min, self.baseline_edss_max
        if lo is not None and hi is not None and lo > hi:
            raise _fail(sec, "baseline_edss_min", f"must not exceed baseline_edss_max ({hi})", lo)
        for key in ("first_dose_from", "first_dose_to"):
            object.__setattr__(self, key, _date(sec, key, getattr(self, key)))
        d0, d1 = self.first_dose_from, self.first_dose_to
        if d0 is not None and d1 is not None and d0 > d1:
            raise _fail(sec, "first_dose_from", f"must not be after first_dose_to ({d1})", d0)
        if not isinstance(self.prior_treatment, PriorTreatmentCriteria):
            raise _fail(sec, "prior_treatment", "must be a table of settings", self.prior_treatment)


#: Values of ``[analysis] censor_at``: the assessment a patient without an event is censored at.
_CENSOR_AT = ("confirmable", "last_assessment")


@dataclass(frozen=True)
class AnalysisSettings:
    """``[analysis]``: grouping, baseline and efficacy settings.

    Parameters
    ----------
    group_by
        Column of ``patients`` to group by (phenotype, sex, site) or ``"none"``.
    baseline_window_days
        Baseline EDSS is the score on the day of the first dose or, failing that, the last score
        at most this many days before it (90).
    on_treatment_days
        The last score "on treatment" is the last one up to this many days after the last dose (90).
    zero_method
        Zero differences in the Wilcoxon signed-rank test: ``wilcox`` drops them, ``pratt`` ranks
        them then drops them, ``zsplit`` splits them (clinical-methods 8).
    p_method
        ``auto``, ``exact`` or ``approx`` p value of the Wilcoxon test.
    km_years
        Years after the first dose at which Kaplan-Meier estimates are reported.
    km_min_at_risk
        Kaplan-Meier tables, curves and medians stop where fewer than this many patients remain
        at risk (10; 0 reports every time). The rule is stated in the report (issue 9 item 11).
    censor_at
        Where a patient without confirmed worsening is censored: ``confirmable`` (default), the
        last on-treatment assessment that could have served as a confirmation (at least the
        confirmation period, less its tolerance, after an earlier post-baseline assessment,
        and not in the window after a relapse where no visit confirms; clinical-methods 8);
        ``last_assessment``, the last on-treatment assessment after the baseline (the rule
        before issue 9 item 11).
    level
        Confidence level of every interval (0.95).
    """

    group_by: str = "phenotype"
    baseline_window_days: int = 90
    on_treatment_days: int = 90
    zero_method: str = "wilcox"
    p_method: str = "auto"
    km_years: tuple[float, ...] = (1.0, 2.0, 3.0, 4.0, 5.0)
    km_min_at_risk: int = 10
    censor_at: str = "confirmable"
    level: float = 0.95

    def __post_init__(self) -> None:
        sec = "analysis"
        _choice(sec, "group_by", self.group_by, GROUP_BY_CHOICES)
        _int(sec, "baseline_window_days", self.baseline_window_days, low=0)
        _int(sec, "on_treatment_days", self.on_treatment_days, low=0)
        _choice(sec, "zero_method", self.zero_method, _ZERO_METHODS)
        _choice(sec, "p_method", self.p_method, _P_METHODS)
        if isinstance(self.km_years, str) or not isinstance(self.km_years, list | tuple):
            raise _fail(sec, "km_years", "must be a list of years", self.km_years)
        years = tuple(_num(sec, "km_years", y, low=0, high=100) for y in self.km_years)
        if not years:
            raise _fail(sec, "km_years", "must name at least one year", self.km_years)
        object.__setattr__(self, "km_years", tuple(sorted(set(years))))
        _int(sec, "km_min_at_risk", self.km_min_at_risk, low=0, high=1_000_000)
        _choice(sec, "censor_at", self.censor_at, _CENSOR_AT)
        lvl = _num(sec, "level", self.level)
        if not 0.5 <= lvl < 1:
            raise _fail(sec, "level", "must be between 0.5 and 1 (e.g. 0.95)", self.level)
        object.__setattr__(self, "level", lvl)

    @property
    def group_column(self) -> str | None:
        """The ``patients`` column to group by, or ``None`` for no grouping."""
        return None if self.group_by == "none" else self.group_by


@dataclass(frozen=True)
class ExposureSettings:
    """``[exposure]``: the regimen's expected dose interval.

    Parameters
    ----------
    interval_days
        ``[low, high]`` days between doses counted as on schedule. Empty uses the known regimen of
        the drug (56-77 days for intrathecal methotrexate, clinical-methods 7), if any.
    """

    interval_days: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        v = self.interval_days
        if v is None:
            return
        if isinstance(v, str) or not isinstance(v, list | tuple) or len(v) != 2:
            raise _fail("exposure", "interval_days", "must be two numbers [low, high]", v)
        lo = _int("exposure", "interval_days", v[0], low=1)
        hi = _int("exposure", "interval_days", v[1], low=1)
        if lo > hi:
            raise _fail("exposure", "interval_days", "must have low <= high", v)
        object.__setattr__(self, "interval_days", (lo, hi))


@dataclass(frozen=True)
class SafetySettings:
    """``[safety]``: which adverse events count and how they are grouped.

    Parameters
    ----------
    risk_window_days
        An event is treatment-emergent from the first dose to this many days after the last (90).
    ae_grouping
        Group events by the verbatim ``term`` or by the MedDRA ``pt_code``.
    end_at_next_treatment
        The window and the time at risk end the day before the next disease-modifying treatment
        starts (another drug's first administration or a ``treatments`` course) (true). False
        keeps the former rule: last dose + ``risk_window_days`` whatever came next.
    """

    risk_window_days: int = 90
    ae_grouping: str = "term"
    end_at_next_treatment: bool = True

    def __post_init__(self) -> None:
        _int("safety", "risk_window_days", self.risk_window_days, low=0)
        _choice("safety", "ae_grouping", self.ae_grouping, AE_GROUPINGS)
        if not isinstance(self.end_at_next_treatment, bool):
            raise _fail("safety", "end_at_next_treatment", "must be true or false",
                        self.end_at_next_treatment)


@dataclass(frozen=True)
class PrivacySettings:
    """``[privacy]``: what aggregate outputs withhold when they leave the centre.

    Parameters
    ----------
    min_cell
        Small-cell suppression: counts from 1 to ``min_cell - 1`` are withheld from
        ``results.csv``, the report's tables and the console (shown as ``<5`` for 5), with
        complementary suppression so no total gives them back (docs/privacy.md). Not set: every
        count is shown. ``msrwe analyze/report/compare --min-cell N`` sets it for one run.

    Examples
    --------
    >>> PrivacySettings(min_cell=5).min_cell
    5
    """

    min_cell: int | None = None

    def __post_init__(self) -> None:
        if self.min_cell is not None:
            _int("privacy", "min_cell", self.min_cell, low=2, high=1000)



@dataclass(frozen=True)
class ReportSettings:
    """``[report]``: how the report writes its tables (the numbers are the same either way).

    Parameters
    ----------
    ci_in_one_cell
        Write an estimate and its confidence interval in one cell, ``est (low–high)``,
        instead of the interval's bounds in columns of their own (false).

    Examples
    --------
    >>> ReportSettings(ci_in_one_cell=True).ci_in_one_cell
    True
    >>> ReportSettings(ci_in_one_cell="yes")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.StudyFileError: study file: report.ci_in_one_cell must be true or false...
    """

    ci_in_one_cell: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.ci_in_one_cell, bool):
            raise _fail("report", "ci_in_one_cell", "must be true or false",
                        self.ci_in_one_cell)
