"""A commented study file: every section and key, what it means, its allowed values and default.

``msrwe init-study`` writes it (issue 9, item 23: the README tour's ``analyze`` step needs a
``study.toml`` and no step made one). :func:`study_template` renders any :class:`Study` as such a
file, and the file reads back to the same study (``Study.from_toml_text(study_template(s)) == s``,
checked by the tests for the default study, the suggested ones and the golden study files).
Keys whose value is not set (``None``) and the ``[analyses.<name>]`` and ``[compare]`` tables the
study does not give are written as comments, so uncommenting a line is all an edit takes.

The meaning of each key is taken from where it is declared: the numpydoc ``Parameters`` of the
study's section classes and of :class:`~msrwe.compare.design.CompareDesign`, the ``help`` of each
outcome-engine option (:data:`msrwe.derive.outcomes.options.OPTIONS`) and the docstring of each
declared analysis's options (:data:`msrwe.pipeline.ANALYSES`); so a new key is documented here
without touching this module.

With a store, :func:`suggest_study` proposes the cohort (the most-given drug, its route when it
has only one, the store's phenotypes in the comments), as ``msrwe analyze`` without ``--study``
would analyse it.

Examples
--------
>>> from msrwe.study import Study
>>> text = study_template(Study())
>>> Study.from_toml_text(text) == Study()
True
>>> "[cohort.prior_treatment]" in text and "# [compare]" in text
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from msrwe._atomic import atomic_write_text
from msrwe._outputs import check_out_file
from msrwe._version import __version__
from msrwe.compare.design import COVARIATES, OUTCOMES, CompareDesign
from msrwe.derive.outcomes.options import OPTIONS
from msrwe.errors import OptionError
from msrwe.pipeline.registry import ANALYSES
from msrwe.schema import PHENOTYPES, ROUTES, STOP_REASONS
from msrwe.study.config import (
    AE_GROUPINGS,
    GROUP_BY_CHOICES,
    SET_PER_MEASURE,
    AnalysisSettings,
    CohortCriteria,
    ExposureSettings,
    OutcomeSettings,
    PrivacySettings,
    ReportSettings,
    SafetySettings,
    Study,
    StudyInfo,
)

__all__ = ["StoreFacts", "init_study", "store_facts", "study_template", "suggest_study"]

#: Allowed values of keys whose declaration does not list them in its help text.
_ALLOWED: dict[str, tuple[str, ...]] = {
    "analysis.zero_method": ("wilcox", "pratt", "zsplit"),
    "analysis.p_method": ("auto", "exact", "approx"),
    "cohort.route": ROUTES,
    "cohort.phenotypes": PHENOTYPES,
    "cohort.prior_treatment.reasons": STOP_REASONS,
    "analysis.group_by": GROUP_BY_CHOICES,
    "safety.ae_grouping": AE_GROUPINGS,
    "compare.phenotypes": PHENOTYPES,
    "compare.covariates": tuple(COVARIATES),
    "compare.outcomes": tuple(OUTCOMES),
}
#: What to show for a key that is not set by default (the line stays a comment).
_EXAMPLES: dict[str, Any] = {
    "cohort.drug": "methotrexate",
    "cohort.route": "intrathecal",
    "cohort.baseline_edss_min": 3.0,
    "cohort.baseline_edss_max": 7.0,
    "cohort.first_dose_from": dt.date(2010, 1, 1),
    "cohort.first_dose_to": dt.date(2020, 12, 31),
    "exposure.interval_days": [56, 77],
    "outcomes.random_state": 2019,
    "privacy.min_cell": 5,
    "compare.arms": ["methotrexate", "rituximab"],
    "compare.reference": "methotrexate",
    "compare.routes": {"methotrexate": "intrathecal"},
    "compare.index_from": dt.date(2010, 1, 1),
    "compare.index_to": dt.date(2024, 12, 31),
    "compare.edss_min": 3.0,
    "compare.edss_max": 7.0,
    "compare.truncate_percentiles": [1, 99],
    "compare.max_weight": 10.0,
    "compare.rmst_years": 5.0,
}
_SECTIONS: tuple[tuple[str, type], ...] = (
    ("study", StudyInfo),
    ("cohort", CohortCriteria),
    ("analysis", AnalysisSettings),
    ("exposure", ExposureSettings),
    ("safety", SafetySettings),
    ("report", ReportSettings),
    ("privacy", PrivacySettings),
)
_WIDTH = 96


# -- where the meanings come from ------------------------------------------------------------


def parameter_docs(cls: type) -> dict[str, str]:
    """The numpydoc ``Parameters`` of a class's docstring: name -> one-paragraph description.

    An entry naming several parameters (``a, b``) gives each the same text.

    Examples
    --------
    >>> parameter_docs(StudyInfo)["title"]
    'Title of the report and of the methods paragraph.'
    """
    doc = inspect.getdoc(cls) or ""
    m = re.search(r"^Parameters\n-+\n(.*?)(?:\n\S[^\n]*\n-+\n|\Z)", doc, flags=re.S | re.M)
    if m is None:
        return {}
    out: dict[str, str] = {}
    names: list[str] = []
    for line in m.group(1).splitlines():
        if line and not line[0].isspace():
            names = [n.strip().split(":")[0].strip() for n in line.split(",")]
            for n in names:
                out[n] = ""
        elif line.strip() and names:
            for n in names:
                out[n] = (out[n] + " " + line.strip()).strip()
    return {k: re.sub(r"``([^`]*)``", r"\1", re.sub(r":\w+:`~?([^`]*)`", r"\1", v))
            for k, v in out.items()}


def _outcome_docs() -> dict[str, tuple[str, tuple[str, ...], Any]]:
    """``[outcomes]`` keys -> (help, choices, msprog's default)."""
    docs = {o.name: (o.help, tuple(o.choices),
                     "(worked out from the other options)" if o.default is None
                     and o.name != "random_state" else o.default)
            for o in OPTIONS if o.name not in SET_PER_MEASURE}
    docs["worsening_pct"] = (parameter_docs(OutcomeSettings)["worsening_pct"], (), 20)
    return docs


# -- TOML values -------------------------------------------------------------------------------


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return "nan" if v != v else ("inf" if v > 0 else "-inf")
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # TOML basic strings escape as JSON does
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as a TOML value")


def _key(k: str) -> str:
    return k if re.fullmatch(r"[A-Za-z0-9_-]+", k) else json.dumps(k)


def _plain(v: Any) -> Any:
    if isinstance(v, tuple):
        return [_plain(x) for x in v]
    if isinstance(v, Mapping):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _wrap(text: str, prefix: str = "# ") -> list[str]:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(prefix) + len(line) + 1 + len(w) > _WIDTH:
            lines.append(prefix + line)
            line = w
        else:
            line = f"{line} {w}" if line else w
    if line:
        lines.append(prefix + line)
    return lines


def _entry(lines: list[str], key: str, value: Any, *, meaning: str, allowed: Iterable[str] = (),
           default: Any = None, has_default: bool = True, example: Any = None,
           commented: bool = False) -> None:
    """One key: its meaning, allowed values and default as comments, then ``key = value``."""
    note = meaning.strip()
    allowed = tuple(allowed)
    if allowed:
        note += " Allowed: " + ", ".join(allowed) + "."
    if has_default:
        shown = default if isinstance(default, str) and default.startswith("(") else (
            "not set" if default is None else _value(_plain(default)))
        note += f" Default: {shown}."
    lines.extend(_wrap(note))
    if value is None:
        shown = example if example is not None else _EXAMPLES.get(key)
        lines.append(f"# {_key(key.rsplit('.', 1)[-1])} = {_value(_plain(shown))}"
                     if shown is not None else f"# {_key(key.rsplit('.', 1)[-1])} = (not set)")
    else:
        lead = "# " if commented else ""
        lines.append(f"{lead}{_key(key.rsplit('.', 1)[-1])} = {_value(_plain(value))}")
    lines.append("")


# -- the sections ------------------------------------------------------------------------------


def _default(f: dataclasses.Field) -> Any:
    """A dataclass field's default (``None`` when it has none)."""
    if f.default is not dataclasses.MISSING:
        return f.default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory()
    return None


def _dataclass_section(lines: list[str], name: str, obj: Any, cls: type,
                       notes: Iterable[str] = ()) -> None:
    docs = parameter_docs(cls)
    head = (inspect.getdoc(cls) or "").split("\n\n", 1)[0].replace("\n", " ")
    lines.extend(_wrap("Section " + re.sub(r"``([^`]*)``", r"\1", head)))
    for note in notes:
        lines.extend(_wrap(note))
    lines.append(f"[{name}]")
    nested: list[tuple[str, Any, type]] = []
    for f in fields(cls):
        v = getattr(obj, f.name)
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            nested.append((f.name, v, type(v)))
            continue
        _entry(lines, f"{name}.{f.name}", v, meaning=docs.get(f.name, ""),
               allowed=_ALLOWED.get(f"{name}.{f.name}", ()), default=_default(f))
    for sub, v, klass in nested:
        _dataclass_section(lines, f"{name}.{sub}", v, klass)


def _outcomes_section(lines: list[str], o: OutcomeSettings) -> None:
    head = ("Section [outcomes]: the disability definitions handed to the outcome engine, with "
            "msprog's option names, defaults and allowed values (docs/outcomes.md). The study sets "
            + ", ".join(SET_PER_MEASURE) + " itself for each measure.")
    lines.extend(_wrap(head))
    lines.append("[outcomes]")
    given = o.to_dict()
    for k, (meaning, choices, default) in _outcome_docs().items():
        _entry(lines, f"outcomes.{k}", given.get(k), meaning=meaning, allowed=choices,
               default=default)


def _analyses_section(lines: list[str], study: Study) -> None:
    lines.extend(_wrap(
        "Sections [analyses.<name>]: every declared analysis runs unless its table says "
        "enabled = false; some take options. Uncomment a table (and its keys) to change it."))
    lines.append("")
    for a in ANALYSES:
        given = dict(study.analyses.get(a.name, {}))
        title = f"{a.name}: {a.title}" if getattr(a, "title", "") else a.name
        if a.options is not None:
            doc = (inspect.getdoc(a.options) or "").split("\n\n", 1)[0]
            doc = re.sub(r"^``\[analyses\.[^\]]*\]``:\s*", "", doc)
            title += ". Options: " + re.sub(r"``([^`]*)``", r"\1", doc)
        lines.extend(_wrap(title))
        lead = "" if a.name in study.analyses else "# "
        lines.append(f"{lead}[analyses.{_key(a.name)}]")
        lines.append(f"{'' if 'enabled' in given else '# '}enabled = "
                     f"{_value(given.get('enabled', a.enabled(Study())))}")
        if a.options is not None:
            for f in fields(a.options):
                shown = given.get(f.name, _default(f))
                try:
                    written = _value(_plain(shown)) if shown is not None else "(not set)"
                except TypeError:  # a default TOML cannot hold: say so, never guess
                    written = "(not set)"
                lines.append(("" if f.name in given else "# ") + f"{_key(f.name)} = {written}")
        for k in given:
            if k != "enabled" and (a.options is None or k not in {f.name for f in fields(
                    a.options)}):
                lines.append(f"{_key(k)} = {_value(_plain(given[k]))}")  # refused when analysed
        lines.append("")
    for name in study.analyses:  # a table no analysis declares: kept as given (analyze refuses it)
        if name not in {a.name for a in ANALYSES}:
            lines.append(f"[analyses.{_key(name)}]")
            lines.extend(f"{_key(k)} = {_value(_plain(v))}"
                         for k, v in study.analyses[name].items())
            lines.append("")


def _compare_section(lines: list[str], design: CompareDesign | None,
                     notes: Iterable[str] = ()) -> None:
    docs = parameter_docs(CompareDesign)
    lines.extend(_wrap(
        "Section [compare]: a comparison of two or more treatments for `msrwe compare` and the "
        "report's comparative-effectiveness section (docs/compare.md). Uncomment the table and "
        "set arms to use it, or write it with `msrwe init-study --compare a,b`."))
    for note in notes:
        lines.extend(_wrap(note))
    commented = design is None
    lines.append(("# " if commented else "") + "[compare]")
    given = design.to_dict() if design is not None else {}
    for f in fields(CompareDesign):
        k = f.name
        default = _default(f)
        v = given.get(k) if design is not None else (None if k == "arms" else default)
        _entry(lines, f"compare.{k}", v, meaning=docs.get(k, ""),
               allowed=_ALLOWED.get(f"compare.{k}", ()), default=default, commented=commented)


# -- the store's facts and the suggestion --------------------------------------------------------


@dataclass(frozen=True)
class StoreFacts:
    """What a store holds that a study file chooses from.

    Attributes
    ----------
    drugs
        ``(drug, patients, administrations, routes)`` per drug, most administrations first.
    phenotypes
        ``(phenotype, patients)`` in the store's ``patients`` table, most patients first.
    first_doses
        The earliest and latest administration dates, or ``None``.
    """

    drugs: tuple[tuple[str, int, int, tuple[str, ...]], ...]
    phenotypes: tuple[tuple[str, int], ...]
    first_doses: tuple[dt.date, dt.date] | None


def store_facts(db: str | Path) -> StoreFacts:
    """Read the drugs (with patients, administrations and routes) and phenotypes of a store.

    Raises
    ------
    msrwe.errors.StoreError
        When ``db`` is not a store.
    """
    import polars as pl

    from msrwe.store import Store

    with Store(db) as store:
        adm = store.read_or_none("administrations")
        patients = store.read_or_none("patients")
    drugs: list[tuple[str, int, int, tuple[str, ...]]] = []
    span = None
    if adm is not None and adm.height:
        d = (adm.filter(pl.col("drug").is_not_null())
             .group_by("drug")
             .agg(pl.col("patient_id").n_unique().alias("patients"), pl.len().alias("n"),
                  pl.col("route").drop_nulls().unique().sort().alias("routes"))
             .sort(["n", "drug"], descending=[True, False]))
        drugs = [(r["drug"], int(r["patients"]), int(r["n"]), tuple(r["routes"]))
                 for r in d.iter_rows(named=True)]
        dates = adm["date"].drop_nulls()
        if dates.len():
            span = (dates.min(), dates.max())
    phen: list[tuple[str, int]] = []
    if patients is not None and "phenotype" in patients.columns:
        p = (patients.filter(pl.col("phenotype").is_not_null()).group_by("phenotype").len()
             .sort(["len", "phenotype"], descending=[True, False]))
        phen = [(str(a), int(b)) for a, b in p.iter_rows()]
    return StoreFacts(tuple(drugs), tuple(phen), span)  # type: ignore[arg-type]


def suggest_study(facts: StoreFacts | None, arms: Iterable[str] = ()) -> Study:
    """The study a store suggests: its most-given drug (and route, when it has only one).

    Without facts it is the default study (every key at its default, the most-given drug chosen
    when the store is analysed). ``arms`` (two or more drugs, the reference first) add a
    ``[compare]`` section comparing them; with facts, each must be a drug the store holds.

    Raises
    ------
    msrwe.errors.OptionError
        For arms the store does not hold, or fewer than two arms.

    Examples
    --------
    >>> f = StoreFacts((("methotrexate", 83, 3343, ("intrathecal",)),), (("SPMS", 66),), None)
    >>> s = suggest_study(f)
    >>> s.cohort.drug, s.cohort.route, s.study.title
    ('methotrexate', 'intrathecal', 'Patients treated with methotrexate')
    """
    compare = _compare_arms(facts, arms)
    if facts is None or not facts.drugs:
        return Study(compare=compare)
    drug, _, _, routes = facts.drugs[0]
    cohort = CohortCriteria(drug=drug, route=routes[0] if len(routes) == 1 else None)
    return Study(study=StudyInfo(title=f"Patients treated with {drug}"), cohort=cohort,
                 compare=compare)


def _compare_arms(facts: StoreFacts | None, arms: Iterable[str]) -> CompareDesign | None:
    arms = tuple(a.strip().lower() for a in arms if a.strip())
    if not arms:
        return None
    if len(arms) < 2 or len(set(arms)) != len(arms):
        raise OptionError(f"--compare {','.join(arms)}: name two or more different drugs, the "
                          "reference first (e.g. --compare methotrexate,rituximab).",
                          option="--compare")
    if facts is not None:
        held = [d for d, *_ in facts.drugs]
        missing = [a for a in arms if a not in held]
        if missing:
            raise OptionError(f"--compare: the store holds no administration of "
                              f"{', '.join(missing)}; its drugs are {', '.join(held) or 'none'}.",
                              option="--compare")
    return CompareDesign(arms=arms)


def _fact_notes(facts: StoreFacts | None, db: str | Path | None) -> tuple[list[str], list[str]]:
    if facts is None:
        return [], []
    drugs = "; ".join(
        f"{d} ({p:,} patients, {n:,} administrations; route {', '.join(r) or 'not charted'})"
        for d, p, n, r in facts.drugs) or "none"
    cohort = [f"In the store {db}: drugs given: {drugs}."]
    if facts.phenotypes:
        cohort.append("Phenotypes charted: " + ", ".join(f"{k} {v:,}" for k, v in facts.phenotypes)
                      + " (phenotypes = [] keeps them all).")
    if facts.first_doses is not None:
        cohort.append(f"Administrations from {facts.first_doses[0]} to {facts.first_doses[1]}.")
    compare = []
    if len(facts.drugs) >= 2:
        compare.append("Drugs of this store that could be arms: "
                       + ", ".join(d for d, *_ in facts.drugs) + ".")
    return cohort, compare


# -- the file ----------------------------------------------------------------------------------


def study_template(study: Study | None = None, *, facts: StoreFacts | None = None,
                   db: str | Path | None = None) -> str:
    """The commented study file of ``study`` (default: :func:`suggest_study` of ``facts``).

    Parameters
    ----------
    study
        The settings to write; every key is written, with its meaning, allowed values and default.
    facts
        What the store holds (:func:`store_facts`), quoted in comments of ``[cohort]`` and
        ``[compare]``.
    db
        The store's path, for the comments.

    Returns
    -------
    str
        TOML text; ``Study.from_toml_text`` of it equals ``study``.
    """
    if study is None:
        study = suggest_study(facts)
    cohort_notes, compare_notes = _fact_notes(facts, db)
    lines = [
        f"# msrwe study file, written by `msrwe init-study` (msrwe {__version__}).",
        "# Every section and key is listed with what it means, its allowed values and its",
        "# default; a key left out (or commented out with #) takes its default. docs/analysis.md",
        "# is the reference. Run it with: msrwe analyze --db STORE --study THIS_FILE",
        "",
    ]
    for name, cls in _SECTIONS:
        _dataclass_section(lines, name, getattr(study, name), cls,
                           notes=cohort_notes if name == "cohort" else ())
    _outcomes_section(lines, study.outcomes)
    _analyses_section(lines, study)
    _compare_section(lines, study.compare, compare_notes)
    return "\n".join(lines).rstrip("\n") + "\n"


def init_study(out: str | Path = "study.toml", *, db: str | Path | None = None,
               compare: Iterable[str] = (), force: bool = False) -> Path:
    """Write a commented study file (suggestions from the store ``db``, when given).

    Parameters
    ----------
    out
        The file to write; an existing file is replaced only with ``force``.
    db
        A store whose drugs and phenotypes are suggested.
    compare
        Drugs to compare in a ``[compare]`` section (the reference first); none leaves the
        section commented out.
    force
        Replace an existing ``out``.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    msrwe.errors.OptionError
        When ``out`` exists (without ``force``), is the store or one of its chart files, or is not
        a text file; or for ``compare`` arms the store does not hold.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = init_study(pathlib.Path(tempfile.mkdtemp()) / "study.toml")
    >>> Study.from_toml(p) == Study()
    True
    """
    out = Path(out)
    check_out_file(out, kind="toml", what="study file", db=db)
    if out.exists() and not force:
        raise OptionError(f"--out {out}: the file exists; msrwe init-study never overwrites a "
                          "study file. Give another --out, or add --force to replace it "
                          "(nothing was written).", option="--out")
    if not out.parent.exists():
        raise OptionError(f"--out {out}: the folder {out.parent} does not exist (nothing was "
                          "written).", option="--out")
    facts = store_facts(db) if db is not None else None
    text = study_template(suggest_study(facts, compare), facts=facts, db=db)
    Study.from_toml_text(text, source=str(out))  # never write a file that does not read back
    return atomic_write_text(out, text)
