"""The study file: who qualifies, how they are grouped, and the definitions in force.

A study file is TOML with the sections ``[study]``, ``[cohort]`` (with
``[cohort.prior_treatment]``), ``[analysis]``, ``[exposure]``, ``[safety]``, ``[outcomes]``,
``[report]`` and ``[privacy]``. Every key has a documented default (``docs/analysis.md`` lists
them all), so the smallest useful study file names only the drug. An unknown key is refused with
a :class:`~msrwe.errors.StudyFileError` that names it and lists the keys its section accepts, so
a typo never silently falls back to a default.

Every section is a frozen, validated value object; :meth:`Study.to_dict` gives the settings in
force (defaults filled in) for the report and the methods paragraph.

Examples
--------
>>> s = Study.from_toml_text('''
... [study]
... title = "Long-term intrathecal methotrexate in progressive MS"
... [cohort]
... drug = "methotrexate"
... route = "intrathecal"
... min_administrations = 18
... phenotypes = ["SPMS", "PPMS"]
... [analysis]
... group_by = "phenotype"
... ''')
>>> s.cohort.min_administrations, s.cohort.phenotypes, s.safety.risk_window_days
(18, ('SPMS', 'PPMS'), 90)
>>> Study.from_dict({"cohort": {"drugs": "x"}})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
msrwe.errors.StudyFileError: study file: unknown key 'cohort.drugs'. [cohort] accepts: ...
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any

from msrwe.compare.design import CompareDesign
from msrwe.derive.outcomes.options import DEFAULTS, OutcomeOptions, make_options
from msrwe.errors import OptionError, StudyFileError
from msrwe.io._settings import parse_toml, read_toml_file
from msrwe.schema import PHENOTYPES, ROUTES, STOP_REASONS
from msrwe.study._toml import to_toml_text
from msrwe.study._validate import _choice, _date, _fail, _int, _num, _str_tuple, _text

__all__ = [
    "AE_GROUPINGS",
    "GROUP_BY_CHOICES",
    "PHENOTYPES",
    "RENAMED_OUTCOME_KEYS",
    "ROUTES",
    "SET_PER_MEASURE",
    "STOP_REASONS",
    "AnalysisSettings",
    "CohortCriteria",
    "ExposureSettings",
    "OutcomeSettings",
    "PriorTreatmentCriteria",
    "PrivacySettings",
    "ReportSettings",
    "SafetySettings",
    "Study",
    "StudyInfo",
    "load_study",
    "outcome_options",
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


#: Engine options the study sets itself for each measure it analyses; a study file cannot set them.
SET_PER_MEASURE: tuple[str, ...] = (
    "outcome", "value_col", "worsening", "valuedelta_col", "validconf_col", "subjects",
    "return_unconfirmed",
)
#: Earlier ``[outcomes]`` names, still read with a warning: old name -> msprog's name.
RENAMED_OUTCOME_KEYS: dict[str, str] = {"raw_pira": "RAW_PIRA", "delta_policy": "delta_fun"}
#: Values of ``event`` a study accepts: it analyses the time to confirmed worsening.
_EVENTS = ("firstCDW", "first", "multiple")
#: The same under ``profile = "msoutcomes"`` (MSoutcomes' functions; EDSS only, see
#: :func:`msrwe.study._engine.run_engine` for the other measures).
_EVENTS_MSOUTCOMES = ("CDW", "firstCDW", "CDEseq", "PIRA", "firstPIRA")


@dataclass(frozen=True, init=False)
class OutcomeSettings:
    """``[outcomes]``: the disability definitions handed to the outcome engine.

    The keys are the outcome engine's options with msprog's names, defaults and allowed values
    (:class:`~msrwe.derive.outcomes.options.OutcomeOptions`, clinical-methods 2.2), validated by
    the same function as :func:`~msrwe.derive.outcomes.detect_events`
    (:func:`~msrwe.derive.outcomes.options.make_options`); ``delta_fun`` is the EDSS threshold
    family of clinical-methods 1.4 (``msprog``: +1.5 from 0, +1.0 up to 5.0, +0.5 from 5.5;
    ``trial``: +1.0 up to 5.5, +0.5 above (ORATORIO, OLYMPUS); ``lorscheider``: +1.5 from 0,
    +1.0 up to 5.5, +0.5 above). The study sets the options of :data:`SET_PER_MEASURE` itself,
    and adds one key of its own:

    Parameters
    ----------
    options
        The engine options in force (for the EDSS; the timed tests use ``worsening_pct``).
    worsening_pct
        Percentage change counted as worsening for the 9-hole peg and 25-foot walk tests (20).
    **values
        Engine options by msprog's name (``event="multiple"``, ``conf_days=168``, ...), when
        ``options`` is not given. The earlier names ``raw_pira`` and ``delta_policy`` are read
        as ``RAW_PIRA`` and ``delta_fun``, with a warning.

    Examples
    --------
    >>> o = OutcomeSettings(baseline="roving", conf_days=168)
    >>> o.baseline, o.options.conf_days, o.to_dict()["conf_days"]
    ('roving', (168.0,), 168)
    >>> OutcomeSettings(event="firstCDI")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.StudyFileError: study file: outcomes.event must be one of ...
    """

    options: OutcomeOptions
    worsening_pct: float

    def __init__(self, options: OutcomeOptions | None = None, *, worsening_pct: float = 20.0,
                 **values: Any) -> None:
        sec = "outcomes"
        if options is None:
            options = outcome_options(values)
        elif values:
            raise _fail(sec, next(iter(values)), "cannot be given beside options", values)
        elif not isinstance(options, OutcomeOptions):
            raise _fail(sec, "options", "must be an OutcomeOptions", options)
        if options.profile == "msoutcomes":
            if options.event not in _EVENTS_MSOUTCOMES:
                raise _fail(sec, "event", "must be one of " + ", ".join(_EVENTS_MSOUTCOMES)
                            + " under profile msoutcomes (a study analyses the time to "
                            "confirmed worsening)", options.event)
        elif options.event not in _EVENTS:
            raise _fail(sec, "event", "must be one of " + ", ".join(_EVENTS) + " (a study "
                        "analyses the time to confirmed worsening)", options.event)
        pct = _num(sec, "worsening_pct", worsening_pct, low=0, high=1000)
        if pct == 0:
            raise _fail(sec, "worsening_pct", "must be more than 0", worsening_pct)
        object.__setattr__(self, "options", options)
        object.__setattr__(self, "worsening_pct", pct)

    def __getattr__(self, name: str) -> Any:
        # study.outcomes.baseline, .conf_days, ...: the engine option of that name
        if name in DEFAULTS and name not in ("options", "worsening_pct"):
            return getattr(self.options, name)
        raise AttributeError(f"'OutcomeSettings' object has no attribute {name!r}")

    @property
    def raw_pira(self) -> bool:
        """Deprecated: ``RAW_PIRA`` (msprog's name)."""
        warnings.warn("OutcomeSettings.raw_pira is now RAW_PIRA (msprog's name).",
                      DeprecationWarning, stacklevel=2)
        return self.options.RAW_PIRA

    @property
    def delta_policy(self) -> str:
        """Deprecated: the name of ``delta_fun`` (msprog's name)."""
        warnings.warn("OutcomeSettings.delta_policy is now delta_fun (msprog's name).",
                      DeprecationWarning, stacklevel=2)
        return str(getattr(self.options.delta_fun, "name", self.options.delta_fun))

    def to_dict(self) -> dict[str, Any]:
        """The ``[outcomes]`` table in force: every engine option a study sets, msprog's names.

        Options left unset (``None``, e.g. ``random_state``) are left out, as a TOML file would.
        """
        engine = self.options.to_dict()
        out = {k: v for k, v in engine.items() if k not in SET_PER_MEASURE and v is not None}
        out["worsening_pct"] = int(self.worsening_pct) if float(self.worsening_pct).is_integer() \
            else self.worsening_pct
        return out


def outcome_options(values: Mapping[str, Any]) -> OutcomeOptions:
    """Build the engine options of a study's ``[outcomes]`` table (without ``worsening_pct``).

    Keys are msprog's option names, checked by
    :func:`~msrwe.derive.outcomes.options.make_options` (the function ``detect_events`` uses);
    errors are :class:`~msrwe.errors.StudyFileError` naming ``outcomes.<key>``.

    Examples
    --------
    >>> outcome_options({"conf_days": 168, "RAW_PIRA": True}).conf_days
    (168.0,)
    >>> outcome_options({"baseline": "rolling"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.StudyFileError: study file: outcomes.baseline must be one of fixed, roving, ...
    """
    sec = "outcomes"
    given: dict[str, Any] = {}
    written: dict[str, str] = {}  # msprog name -> the name the file used
    for key, value in values.items():
        name = RENAMED_OUTCOME_KEYS.get(key, key)
        if name != key:
            warnings.warn(
                f"study file: outcomes.{key} is now called {name} (msprog's name); the old name "
                "still works for now. Rename it in the study file.",
                FutureWarning, stacklevel=3,
            )
        if name in given:
            raise _fail(sec, key, f"gives {name} a second time", value)
        if name in SET_PER_MEASURE:
            raise _fail(sec, key, "is set by the study for each measure it analyses (EDSS, 9-hole "
                        "peg test, timed 25-foot walk) and cannot be given", value)
        if name not in DEFAULTS:
            allowed = sorted([*(k for k in DEFAULTS if k not in SET_PER_MEASURE),
                              "worsening_pct"], key=str.lower)
            raise StudyFileError(
                f"study file: unknown key 'outcomes.{key}'. [outcomes] accepts: "
                f"{', '.join(allowed)}."
            )
        given[name] = value
        written[name] = key
    try:
        return make_options(outcome="edss", **given)
    except OptionError as exc:
        if exc.option is None or exc.rule is None:
            raise StudyFileError(f"study file: [outcomes] {exc}") from None
        option = exc.option.split("[", 1)[0]
        key = written.get(option, option)
        # the engine's rule, written as the study file's other rules are ("one of a, b")
        rule = exc.rule.split(". Got ", 1)[0]
        rule = re.sub(r"\{([^{}]*)\}", lambda m: m.group(1).replace("'", ""), rule)
        raise _fail(sec, key + exc.option[len(option):], rule, values.get(key)) from None


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


_SECTIONS: dict[str, type] = {
    "study": StudyInfo,
    "cohort": CohortCriteria,
    "analysis": AnalysisSettings,
    "exposure": ExposureSettings,
    "safety": SafetySettings,
    "outcomes": OutcomeSettings,
    "report": ReportSettings,
    "privacy": PrivacySettings,
}


def _build(cls: type, section: str, raw: object, source: str) -> Any:
    if not isinstance(raw, Mapping):
        raise StudyFileError(f"{source}: [{section}] must be a table of settings; got {raw!r}.")
    allowed = {f.name for f in fields(cls)}
    for key in raw:
        if key not in allowed and cls is not OutcomeSettings:
            raise StudyFileError(
                f"{source}: unknown key '{section}.{key}'. "
                f"[{section}] accepts: {', '.join(sorted(allowed))}."
            )
    kwargs = dict(raw)
    if cls is CohortCriteria and "prior_treatment" in kwargs:
        kwargs["prior_treatment"] = _build(
            PriorTreatmentCriteria, "cohort.prior_treatment", kwargs["prior_treatment"], source
        )
    def named(msg: str) -> str:  # the messages say "study file"; name the file instead
        if source != "study file" and msg.startswith("study file:"):
            return source + msg[len("study file") :]
        return msg

    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FutureWarning)
            built = cls(**kwargs)
    except StudyFileError as exc:
        raise StudyFileError(named(str(exc))) from None
    for w in caught:  # an earlier key name: say which file, as the errors do
        warnings.warn(named(str(w.message)), w.category, stacklevel=4)
    return built


def _frozen(tables: Mapping[str, Mapping[str, Any]]) -> Mapping[str, Mapping[str, Any]]:
    return MappingProxyType({k: MappingProxyType(dict(v)) for k, v in tables.items()})


def _analyses_tables(raw: object, source: str) -> Mapping[str, Mapping[str, Any]]:
    """``[analyses.<name>]`` tables: each a table, ``enabled`` true or false.

    Which names and keys are accepted is declared by the analyses themselves and checked when
    the study is analysed (:func:`msrwe.pipeline.registry.check_study`).
    """
    if not isinstance(raw, Mapping):
        raise StudyFileError(f"{source}: [analyses] must be a table of tables; got {raw!r}.")
    for name, table in raw.items():
        if not isinstance(table, Mapping):
            raise StudyFileError(
                f"{source}: analyses.{name} must be a table ([analyses.{name}]); got {table!r}."
            )
        if not isinstance(table.get("enabled", True), bool):
            raise StudyFileError(
                f"{source}: analyses.{name}.enabled must be true or false; got "
                f"{table['enabled']!r}."
            )
    return _frozen(raw)


def _plain(value: Any) -> Any:
    if isinstance(value, OutcomeSettings):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True)
class Study:
    """A whole study file: one frozen object per section.

    Build it with :meth:`from_toml` (a file), :meth:`from_toml_text`, :meth:`from_dict`, or
    :meth:`default_for` (every patient on one drug; :func:`load_study` picks a store's most-given
    drug).

    Examples
    --------
    >>> s = Study.from_dict({"cohort": {"drug": "Methotrexate"}})
    >>> s.cohort.drug, s.analysis.group_by, s.outcomes.conf_days
    ('methotrexate', 'phenotype', (84.0,))
    >>> s.to_dict()["cohort"]["prior_treatment"]["min_days"]
    365
    """

    study: StudyInfo = field(default_factory=StudyInfo)
    cohort: CohortCriteria = field(default_factory=CohortCriteria)
    analysis: AnalysisSettings = field(default_factory=AnalysisSettings)
    exposure: ExposureSettings = field(default_factory=ExposureSettings)
    safety: SafetySettings = field(default_factory=SafetySettings)
    outcomes: OutcomeSettings = field(default_factory=OutcomeSettings)
    privacy: PrivacySettings = field(default_factory=PrivacySettings)
    analyses: Mapping[str, Mapping[str, Any]] = field(default_factory=lambda: _frozen({}))
    #: ``[report]``: how the report writes its tables.
    report: ReportSettings = field(default_factory=ReportSettings)
    source: str = field(default="study file", compare=False)
    #: ``[compare]``: a comparative-effectiveness design (docs/compare.md), or ``None``.
    compare: CompareDesign | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "analyses", _analyses_tables(self.analyses, self.source))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "study file") -> Study:
        """Build a study from a mapping shaped like the TOML file.

        Raises
        ------
        StudyFileError
            For an unknown section or key, or a value a setting does not accept.
        """
        if not isinstance(data, Mapping):
            raise StudyFileError(f"{source}: a study file is a TOML table; got {data!r}.")
        for section in data:
            if section not in _SECTIONS and section not in ("analyses", "compare"):
                names = [*_SECTIONS, "analyses", "compare"]
                raise StudyFileError(
                    f"{source}: unknown section [{section}]. "
                    f"A study file has the sections: {', '.join('[' + s + ']' for s in names)}."
                )
        parts = {
            name: _build(klass, name, data.get(name, {}), source)
            for name, klass in _SECTIONS.items()
        }
        compare = (
            CompareDesign.from_dict(data["compare"], source=source) if "compare" in data else None
        )
        return cls(**parts, analyses=data.get("analyses", {}), source=source, compare=compare)

    @classmethod
    def from_toml_text(cls, text: str, *, source: str = "study file") -> Study:
        """Parse TOML text (see the module docstring for an example)."""
        return cls.from_dict(parse_toml(text, source=source, error=StudyFileError), source=source)

    @classmethod
    def from_toml(cls, path: str | Path) -> Study:
        """Read a study file.

        Raises
        ------
        StudyFileError
            When the file is missing, not TOML, or holds an unknown or invalid setting.
        """
        p = Path(path)
        data = read_toml_file(p, kind="study file", option="--study", error=StudyFileError)
        return cls.from_dict(data, source=str(p))

    @classmethod
    def default_for(cls, drug: str) -> Study:
        """The default study of a drug: every patient on it, any route, default settings.

        :func:`load_study` gives it the store's most-given drug when no study file is given.

        Examples
        --------
        >>> Study.default_for("methotrexate").study.title
        'Patients treated with methotrexate'
        """
        if isinstance(drug, Path) or (isinstance(drug, str) and (
                Path(drug).suffix == ".duckdb" or Path(drug).is_file())):
            warnings.warn(
                "Study.default_for(db) with a store is deprecated: it takes a drug name now; "
                "load_study(None, db) picks the store's most-given drug.",
                DeprecationWarning, stacklevel=2,
            )
            return load_study(None, drug)
        if not isinstance(drug, str) or not drug.strip():
            raise StudyFileError(f"Study.default_for takes a drug name; got {drug!r}.")
        return cls(
            study=StudyInfo(title=f"Patients treated with {drug}"),
            cohort=CohortCriteria(drug=drug),
            source="default study (most-given drug)",
        )

    def replace(self, **sections: Any) -> Study:
        """A copy with some sections replaced (frozen objects are never changed in place)."""
        return dataclasses.replace(self, **sections)

    def to_dict(self) -> dict[str, Any]:
        """The settings in force, defaults filled in, as plain TOML-like values."""
        out = {name: _plain(getattr(self, name)) for name in _SECTIONS}
        out["analyses"] = {k: dict(v) for k, v in self.analyses.items()}
        if self.compare is not None:
            out["compare"] = self.compare.to_dict()
        out["source"] = self.source
        return out

    def to_toml(self) -> str:
        """A study file of the settings in force (defaults filled in) that reads back equal.

        Examples
        --------
        >>> s = Study.from_dict({"cohort": {"drug": "methotrexate", "min_administrations": 18},
        ...                      "analyses": {"safety": {"enabled": False}}})
        >>> Study.from_toml_text(s.to_toml()) == s
        True
        >>> print(s.to_toml().splitlines()[0])
        # msrwe study file: the settings in force (source: study file)
        """
        data = {k: v for k, v in self.to_dict().items() if k != "source"}
        head = f"# msrwe study file: the settings in force (source: {self.source})\n"
        return head + to_toml_text(data)


def load_study(study: Study | str | Path | Mapping[str, Any] | None, db: str | Path) -> Study:
    """Turn what a caller gives (a path, a mapping, a :class:`Study` or nothing) into a Study.

    ``None`` gives :meth:`Study.default_for` the store's most-given drug.

    Raises
    ------
    StudyFileError
        For a broken study file, or (without one) a store that holds no administration.
    """
    if study is None:
        from msrwe.derive.exposure import most_given_drug
        from msrwe.store import Store

        with Store(db) as store:
            administrations = store.read_or_none("administrations")
        if administrations is None:
            raise StudyFileError(
                f"{db}: the store has no administrations, so there is no drug to analyse."
            )
        return Study.default_for(most_given_drug(administrations))
    if isinstance(study, Study):
        return study
    if isinstance(study, Mapping):
        return Study.from_dict(study)
    return Study.from_toml(study)
