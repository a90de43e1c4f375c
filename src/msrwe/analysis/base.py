"""Declared analyses: what an analysis writes, as data, and the one method that computes it.

An analysis of a study is a subclass of :class:`Analysis`. Its class attributes declare, as data,
everything the rest of msrwe needs to know about it:

- ``name`` and ``title``: how the study file (``[analyses.<name>]``) and the report call it;
- ``outputs``: one :class:`Output` per value of the results table's ``analysis`` column it
  writes, each with its title, the stats it writes and what they mean, the measure it is about,
  and how the report shows it (``display``);
- ``requires``: the store tables it cannot run without (when one is missing it is skipped and
  writes one ``not computed`` row per output instead);
- ``reads``: the chart tables (and their columns) it reads through :meth:`Context.table`; the
  runner lets go of a table's other columns, then of the table, once no analysis still to run
  reads them (a million patients' chart tables are gigabytes);
- ``after``: the analyses whose datasets it reads (it runs after them);
- ``section``: the report section it belongs to, ``figures``: the report figures it adds;
- ``facts``: the report's key facts, ``summary``: the console summary tables it contributes;
- ``options``: a frozen dataclass of its settings, read from ``[analyses.<name>]``.

and one method, :meth:`Analysis.run`, adds its rows to the results table (and its datasets to the
context). :meth:`Analysis.methods` returns its sentences of the methods paragraph.
``msrwe.pipeline.ANALYSES`` lists the analyses in report order; the report sections, the
console summary, the key facts and ``docs/results.md`` are generated from these declarations.
``docs/architecture.md`` walks through adding one.

Examples
--------
>>> import polars as pl
>>> class PatientCount(Analysis):
...     name = "patient_count"
...     title = "Patients"
...     outputs = (Output("patient_count", "Patients in the cohort",
...                       stats=(Stat("N", "patients"),)),)
...     def run(self, context, results):
...         results.add("patient_count", "overall", "patients", "", "N",
...                     context.adsl.height, label="Patients")
>>> PatientCount().output_names
('patient_count',)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

import polars as pl

from msrwe.errors import DefinitionError, StudyFileError
from msrwe.tables.results import ResultsTable

if TYPE_CHECKING:
    from msrwe.analysis.result import InForce
    from msrwe.study.cohort import Cohort
    from msrwe.study.config import Study

__all__ = [
    "Analysis",
    "Column",
    "Context",
    "KeyFact",
    "Output",
    "Stat",
    "SummarySpec",
    "reading",
]


def reading(**tables: tuple[str, ...] | None) -> Mapping[str, tuple[str, ...] | None]:
    """An :attr:`Analysis.reads` declaration: chart table name -> columns read (``None``: all).

    Examples
    --------
    >>> dict(reading(relapses=None, administrations=("patient_id", "date")))
    {'relapses': None, 'administrations': ('patient_id', 'date')}
    """
    return MappingProxyType(tables)


@dataclass(frozen=True)
class Stat:
    """One statistic an output writes (the ``stat`` column) and what it means.

    ``name`` may name several stats that share a meaning, separated by ``", "``
    (e.g. ``"ci_low, ci_high"``); ``where`` says on which rows (variable and level) it appears.
    ``kind`` tells small-cell suppression (:func:`msrwe.privacy.suppress_results`) what the stat
    is when its name does not: ``"count"`` (withheld when small), ``"time"`` (an amount of
    time, kept), ``"value"`` (neither: withheld with a withheld count of its row); empty: by
    the name (:func:`msrwe.privacy.is_count`).
    """

    name: str
    meaning: str
    where: str = ""
    kind: str = ""

    @property
    def names(self) -> tuple[str, ...]:
        """The stat names (``"ci_low, ci_high"`` gives two)."""
        return tuple(s.strip() for s in self.name.split(","))


@dataclass(frozen=True)
class Output:
    """One value of the results table's ``analysis`` column: its vocabulary, declared as data.

    Attributes
    ----------
    name
        The ``analysis`` value (e.g. ``"ae_incidence"``); written in this one place.
    title
        Heading in the report, the console and ``docs/results.md``.
    stats
        The stats written, with their meaning.
    doc
        What the rows are (variables, levels, method), a paragraph of ``docs/results.md``.
    measure
        The measure the output is about (``"EDSS"``), empty when none.
    display
        How the report shows it: the name of a table renderer of :mod:`msrwe.report.sections`
        (``"distribution"``, ``"incidence"``, ``"change"``, ``"time_to_event"``, ``"generic"``,
        ``"per_dose"``, ``"days_since_dose"``, ``"attrition"``, ``"table1"``), or ``""`` for
        rows that feed the key facts and the console only.
    missing
        Text the report shows when the results hold no row of this output (``""``: nothing).
    """

    name: str
    title: str
    stats: tuple[Stat, ...] = ()
    doc: str = ""
    measure: str = ""
    display: str = "generic"
    missing: str = ""


@dataclass(frozen=True)
class KeyFact:
    """A number shown in the report's key facts: the ``overall`` row of an output's stat."""

    key: str
    label: str
    output: str
    stat: str
    variable: str
    level: str = ""
    digits: int | None = None
    #: ``"per_group"`` also shows one fact per group (e.g. patients per group).
    per_group: bool = False


@dataclass(frozen=True)
class Column:
    """A column of a console summary table: stats of one output, per group.

    ``fmt`` is ``"int"`` (one count), ``"num"`` (``digits`` decimals), ``"p"`` (a p value,
    ``<0.001`` below), ``"edss"`` (EDSS values, exactly, joined by ``->``), ``"n_pct"``
    (``n`` and ``pct`` as ``"n (pct%)"``), ``"arrow"`` (two stats as ``a->b``) or ``"slash"``
    (stats joined by ``/``). ``stats`` are the stats read, in order. Numbers are written as
    the report writes them (:mod:`msrwe.tables.formatting`).
    """

    header: str
    output: str
    stats: tuple[str, ...]
    variable: str | None = None
    level: str | None = None
    fmt: str = "num"
    digits: int = 1


@dataclass(frozen=True)
class SummarySpec:
    """A console summary table: one row per group (then ``overall``), one :class:`Column` each.

    The table is shown when the results hold the output of its first column.
    """

    title: str
    columns: tuple[Column, ...]
    caption: str = ""


@dataclass
class Context:
    """What an analysis reads: the study, the chart tables, the cohort and the datasets so far.

    Attributes
    ----------
    study
        The study (frozen).
    tables
        The chart tables of the store (``None`` for a table the store lacks).
    cohort
        The cohort and its attrition (:class:`msrwe.study.cohort.Cohort`).
    in_force
        What was resolved from the data: drug, route, dose-interval window, groups.
    datasets
        The analysis datasets so far (``adsl``, ``addose``, ``advs``, ...); an analysis adds
        its own and may replace ``adsl`` with one that has more columns.
    notes
        Free-text notes of the analyses, by analysis name (e.g. the outcome engine's
        description), read by :meth:`Analysis.methods`.
    released
        Chart tables of the store the context does not hold now: not read yet (a table is read
        when the first analysis declaring it in :attr:`Analysis.reads` runs) or let go of (no
        analysis still to run reads it).
    """

    study: Study
    tables: Mapping[str, pl.DataFrame | None]
    cohort: Cohort
    in_force: InForce
    datasets: dict[str, pl.DataFrame] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)
    released: set[str] = field(default_factory=set)

    @property
    def adsl(self) -> pl.DataFrame:
        """The per-patient dataset as it stands."""
        return self.datasets["adsl"]

    def table(self, name: str) -> pl.DataFrame | None:
        """A chart table of the store, or ``None`` when the store has none.

        Raises
        ------
        DefinitionError
            When the runner has let go of the table: the analysis reading it does not declare
            it in :attr:`Analysis.reads`.
        """
        if name in self.released:
            raise DefinitionError(
                f"the analysis read the chart table '{name}' without declaring it in its "
                "'reads' (the runner reads a table for the analyses declaring it, and lets go "
                "of it after them); add it to the analysis's reads."
            )
        return self.tables.get(name)

    def options(self, analysis: Analysis) -> Any:
        """The analysis's options from ``[analyses.<name>]`` (``None`` when it declares none)."""
        return analysis.read_options(self.study)


class Analysis:
    """Base class of a declared analysis (see the module docstring).

    Subclasses set the class attributes and implement :meth:`run`; most also implement
    :meth:`methods`. An instance holds no state, so the same object serves every run.
    """

    #: Name in the study file (``[analyses.<name>]``) and in ``after`` of other analyses.
    name: ClassVar[str] = ""
    #: Human title.
    title: ClassVar[str] = ""
    #: What it does and the definitions it shares between its outputs (markdown, for
    #: ``docs/results.md``).
    doc: ClassVar[str] = ""
    #: The outputs it writes, in the order the report shows them.
    outputs: ClassVar[tuple[Output, ...]] = ()
    #: Store tables it cannot run without; when one is absent it writes "not computed" rows.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Chart tables it reads through :meth:`Context.table`, each with the columns it reads
    #: (``None``: every column). A table no analysis still to run reads is let go of by the
    #: runner, and so are the columns none of them reads; reading a table not declared here
    #: raises :class:`~msrwe.errors.DefinitionError` once the runner has let go of it.
    reads: ClassVar[Mapping[str, tuple[str, ...] | None]] = MappingProxyType({})
    #: Analyses whose datasets it reads: it runs after them when they are on.
    after: ClassVar[tuple[str, ...]] = ()
    #: Report section ``(id, title)``; analyses sharing an id share the section.
    section: ClassVar[tuple[str, str]] = ("other-results", "Other results")
    #: Report figures it adds to its section (names of :mod:`msrwe.report.sections` figures).
    figures: ClassVar[tuple[str, ...]] = ()
    #: Key facts of the report.
    facts: ClassVar[tuple[KeyFact, ...]] = ()
    #: Console summary tables.
    summary: ClassVar[tuple[SummarySpec, ...]] = ()
    #: Frozen dataclass of its settings in ``[analyses.<name>]`` (``None``: only ``enabled``).
    options: ClassVar[type | None] = None

    @property
    def output_names(self) -> tuple[str, ...]:
        """The ``analysis`` values it writes."""
        return tuple(o.name for o in self.outputs)

    def run(self, context: Context, results: ResultsTable) -> None:
        """Add the rows of every output to ``results`` (and datasets to ``context``)."""
        raise NotImplementedError(f"{type(self).__name__}.run")

    def methods(self, context: Context) -> list[str]:
        """Its paragraphs of the methods text (none by default)."""
        return []

    def reads_from(self, context: Context) -> Mapping[str, tuple[str, ...] | None]:
        """What of :attr:`reads` it will still read in this run, given the context so far.

        By default all of it; an analysis whose reads are done once for several (and kept in
        ``context.notes``) says so, and the runner lets go of the tables sooner.
        """
        return self.reads

    def runs_engine(self, context: Context) -> bool:
        """Whether it will still run the outcome engine in this run, given the context so far.

        The runner shares the engine's inputs and the confirmable assessments among the analyses
        that do (:func:`msrwe.study._engine.shared_engine_visits`,
        :func:`msrwe.derive.tte.shared_confirmations`) and lets go of them after the last one
        (a million patients' are gigabytes). One that runs the engine without saying so gets the
        same results, computed anew. No by default.
        """
        return False

    def censors_at_confirmable(self, context: Context) -> bool:
        """Whether it will still derive times to confirmed events in this run.

        The runner shares the confirmable assessments
        (:func:`msrwe.derive.tte.confirmable_visits`) among the analyses that do and lets go of
        them after the last one, as for :meth:`runs_engine`. No by default.
        """
        return False

    # -- settings -----------------------------------------------------------------------------

    def settings(self, study: Study) -> Mapping[str, Any]:
        """The raw ``[analyses.<name>]`` table of the study (empty when absent)."""
        return study.analyses.get(self.name, {})

    def enabled(self, study: Study) -> bool:
        """Whether the study runs it (``enabled = false`` in ``[analyses.<name>]`` turns it off)."""
        return bool(self.settings(study).get("enabled", True))

    def read_options(self, study: Study) -> Any:
        """Build :attr:`options` from ``[analyses.<name>]`` (every key but ``enabled``).

        Raises
        ------
        StudyFileError
            For a key the options do not have, or a value they refuse.
        """
        raw = {k: v for k, v in self.settings(study).items() if k != "enabled"}
        if self.options is None:
            if raw:
                raise StudyFileError(
                    f"{study.source}: [analyses.{self.name}] accepts only 'enabled'; got "
                    f"{', '.join(sorted(raw))}."
                )
            return None
        assert is_dataclass(self.options)
        allowed = {f.name for f in fields(self.options)}
        for key in raw:
            if key not in allowed:
                raise StudyFileError(
                    f"{study.source}: unknown key 'analyses.{self.name}.{key}'. "
                    f"[analyses.{self.name}] accepts: enabled, {', '.join(sorted(allowed))}."
                )
        try:
            return self.options(**raw)
        except (TypeError, ValueError) as exc:
            raise StudyFileError(f"{study.source}: [analyses.{self.name}]: {exc}") from None

    def skip(self, results: ResultsTable, reason: str) -> None:
        """Write one ``not computed: <reason>`` row per output (the analysis could not run)."""
        for out in self.outputs:
            stat = out.stats[0].names[0] if out.stats else "n"
            results.add(out.name, "overall", "", "", stat, None, label=out.title,
                        method=f"not computed: {reason}")

    def __repr__(self) -> str:
        return f"<analysis {self.name}: {', '.join(self.output_names)}>"
