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
from msrwe.study._sections import (
    AE_GROUPINGS,
    GROUP_BY_CHOICES,
    AnalysisSettings,
    CohortCriteria,
    ExposureSettings,
    PriorTreatmentCriteria,
    PrivacySettings,
    ReportSettings,
    SafetySettings,
    StudyInfo,
)
from msrwe.study._toml import to_toml_text
from msrwe.study._validate import _fail, _num

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
