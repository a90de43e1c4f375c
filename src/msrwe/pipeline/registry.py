"""The analyses of a study, in report order: :data:`ANALYSES`.

Adding an analysis is: write a subclass of :class:`msrwe.analysis.base.Analysis` (in any module
that does not import this one or :mod:`msrwe.pipeline.run`), import it here and add an instance to
:data:`ANALYSES` where its section belongs. The runner, the report, the console summary, the key
facts and ``docs/results.md`` all read this list.

Examples
--------
>>> [a.name for a in ANALYSES][:7]
['cohort', 'table1', 'exposure', 'safety', 'efficacy', 'disability_events', 'compare']
>>> output("ae_incidence").title
'Adverse events by term'
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from msrwe.analysis.base import Analysis, Output
from msrwe.endpoints.analyses import ENDPOINT_ANALYSES
from msrwe.errors import DefinitionError, StudyFileError
from msrwe.study.cohort import CohortCounts, Table1
from msrwe.study.comparison import Comparison
from msrwe.study.config import Study
from msrwe.study.disability_events import DisabilityEvents
from msrwe.study.efficacy import Efficacy
from msrwe.study.exposure import Exposure
from msrwe.study.safety import Safety

__all__ = ["ANALYSES", "check_study", "output", "outputs", "run_order"]

#: Every analysis of a study, in the order the report shows them.
ANALYSES: tuple[Analysis, ...] = (
    CohortCounts(),
    Table1(),
    Exposure(),
    Safety(),
    Efficacy(),
    DisabilityEvents(),
    Comparison(),
    *ENDPOINT_ANALYSES,
)


def outputs(analyses: Sequence[Analysis] = ANALYSES) -> Iterator[Output]:
    """Every declared output, in report order."""
    for a in analyses:
        yield from a.outputs


def output(name: str, analyses: Sequence[Analysis] = ANALYSES) -> Output:
    """The declaration of an output (a value of the results' ``analysis`` column)."""
    for o in outputs(analyses):
        if o.name == name:
            return o
    raise KeyError(name)


def check_study(study: Study, analyses: Sequence[Analysis] = ANALYSES) -> None:
    """Refuse ``[analyses.<name>]`` tables no analysis declares, and options they refuse.

    Raises
    ------
    StudyFileError
        Naming the table or key and what is accepted.
    DefinitionError
        When two analyses declare the same name or output (a bug in the list).
    """
    names = {a.name for a in analyses}
    outs = [o.name for a in analyses for o in a.outputs]
    if len(names) != len(analyses) or len(set(outs)) != len(outs):
        dup = sorted({n for n in [a.name for a in analyses] + outs
                      if [a.name for a in analyses].count(n) > 1 or outs.count(n) > 1})
        raise DefinitionError(f"two analyses declare the same name or output: {', '.join(dup)}")
    for name in study.analyses:
        if name not in names:
            raise StudyFileError(
                f"{study.source}: unknown analysis [analyses.{name}]. The analyses are: "
                f"{', '.join(a.name for a in analyses)}."
            )
    for a in analyses:
        a.read_options(study)


def run_order(study: Study, analyses: Sequence[Analysis] = ANALYSES) -> list[Analysis]:
    """The analyses the study turns on, each after the ones named in its ``after``.

    Raises
    ------
    DefinitionError
        When ``after`` names form a loop (a bug in the declarations).
    """
    on = [a for a in analyses if a.enabled(study)]
    names = {a.name for a in on}
    done: set[str] = set()
    order: list[Analysis] = []
    waiting = list(on)
    while waiting:
        ready = [a for a in waiting if all(d in done or d not in names for d in a.after)]
        if not ready:
            raise DefinitionError(
                "the analyses' 'after' declarations form a loop: "
                + ", ".join(f"{a.name} after {'/'.join(a.after)}" for a in waiting)
            )
        first = ready[0]
        order.append(first)
        done.add(first.name)
        waiting.remove(first)
    return order
