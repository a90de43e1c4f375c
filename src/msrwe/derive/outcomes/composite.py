"""Composite disability endpoints: EDSS-Plus and user-defined composites.

A composite event is confirmed worsening on **at least one** component, each component confirmed
on its own with the outcome engine (clinical-methods.md §4.2). Definitions are data: a
:class:`CompositeDefinition` lists :class:`Component` specs (column, direction, threshold rule)
and the engine options they share, and it can state itself in a methods sentence.

:data:`EDSS_PLUS` is the EDSS-Plus of Cadavid et al. (*Mult Scler* 2017): worsening on the EDSS,
the timed 25-foot walk (>= 20%) or the 9-hole peg test (>= 20% on either hand), each confirmed
>= 24 weeks (168 days) later, as clinical-methods.md §4.2 states it. The EDSS step used here is
the trial rule (+1.0 from a reference up to 5.5, +0.5 above), the convention of progressive-MS
trials (§1.4), also used by a 2025 study applying EDSS-Plus (PMID 40300408). The paper's own EDSS
step was not verified in full text, so the choice is stated and can be changed
(``EDSS_PLUS.with_edss_threshold("msprog")``).

The output names the component(s) that drove each event in a ``component`` column; when several
components are confirmed with the same onset date they are listed together (``"edss+t25fw"``).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> d = [dt.date(2020, 1, 1) + dt.timedelta(days=k) for k in (0, 100, 300)]
>>> visits = pl.DataFrame({
...     "patient_id": ["a"] * 3, "date": d, "edss": [4.0, 4.0, 4.0],
...     "t25fw_s": [8.0, 10.0, 10.5],
...     "nhpt_dominant_s": [20.0, 20.0, 20.0], "nhpt_nondominant_s": [22.0, 22.0, 22.0],
... })
>>> res = detect_composite(visits, definition=EDSS_PLUS)
>>> res.events.select("patient_id", "component", "date").rows()
[('a', 't25fw', datetime.date(2020, 4, 10))]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import polars as pl

from msrwe.derive.outcomes.composite_merge import merge_events, patient_series
from msrwe.derive.outcomes.engine import run_engine
from msrwe.derive.outcomes.nhpt import HANDS, detect_nhpt_events, resolve_nhpt_policy
from msrwe.derive.outcomes.options import CHOICES, OutcomeOptions, make_options
from msrwe.derive.outcomes.spms_inputs import as_polars
from msrwe.derive.outcomes.thresholds import ThresholdPolicy, get_policy
from msrwe.errors import InputError, OptionError

__all__ = [
    "EDSS_PLUS",
    "STANDARD_COMPONENTS",
    "Component",
    "CompositeDefinition",
    "CompositeResult",
    "detect_composite",
]

_FIRST_ONLY = ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW")
_RESERVED = ("outcome", "value_col", "delta_fun", "worsening")
_LABEL = {
    "edss": "EDSS",
    "t25fw": "timed 25-foot walk",
    "nhpt": "9-hole peg test",
    "sdmt": "SDMT",
}


def _err(owner: str, name: str, rule: str, value: Any) -> OptionError:
    return OptionError(f"The '{name}' parameter of {owner} must be {rule}. Got {value!r} instead.")


@dataclass(frozen=True)
class Component:
    """One measure of a composite: which column, which direction, which threshold.

    Parameters
    ----------
    name
        Label used in the ``component`` column (letters, digits, ``_``; no ``+``).
    outcome
        The engine's outcome: ``"edss"``, ``"t25fw"``, ``"nhpt"``, ``"sdmt"`` or ``"custom"``.
    column
        Value column. Default: the outcome's chart column (``edss``, ``t25fw_s``, ``sdmt``);
        for ``"nhpt"`` both hand columns are used (see ``hands``); required for ``"custom"``.
    worsening
        ``"increase"`` or ``"decrease"``: required for ``"custom"``, fixed by the others.
    threshold
        A threshold policy name, a :class:`ThresholdPolicy` or a function of the reference value.
        Default: msprog's rule for the outcome (required for ``"custom"``).
    hands
        9-hole peg test only: ``"either"`` or ``"harmonic"``.
    label
        Words for the methods sentence (default from the outcome or the name).
    options
        Engine options for this component only (e.g. ``{"conf_days": 84}``).

    Examples
    --------
    >>> print(Component("grip", column="grip_kg", worsening="decrease",
    ...                 threshold=lambda b: 0.2 * b).describe())
    grip (grip_kg, worsening = decrease; minimal change: a user-supplied function)
    """

    name: str
    outcome: str = "custom"
    column: str | None = None
    worsening: str | None = None
    threshold: str | ThresholdPolicy | Callable[[float], float] | None = None
    hands: str = "either"
    label: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        f = "Component"
        if not isinstance(self.name, str) or not self.name or "+" in self.name:
            raise _err(f, "name", "a non-empty label without '+'", self.name)
        if self.outcome not in CHOICES["outcome"]:
            raise _err(f, "outcome", "one of {" + ", ".join(map(repr, CHOICES["outcome"])) + "}",
                       self.outcome)
        if self.hands not in HANDS:
            raise _err(f, "hands", "one of {'either', 'harmonic'}", self.hands)
        if self.outcome == "custom":
            if not isinstance(self.column, str) or not self.column:
                raise _err(f, "column", "a column name when outcome='custom'", self.column)
            if self.worsening not in ("increase", "decrease"):
                raise _err(f, "worsening", "'increase' or 'decrease' when outcome='custom'",
                           self.worsening)
            if self.threshold is None:
                raise _err(f, "threshold", "a policy name or a function when outcome='custom'",
                           None)
        elif self.worsening is not None:
            fixed = "decrease" if self.outcome == "sdmt" else "increase"
            if self.worsening != fixed:
                raise _err(f, "worsening", f"{fixed!r} (or None) for outcome={self.outcome!r}",
                           self.worsening)
        if self.outcome == "nhpt" and self.column is not None:
            raise _err(f, "column", "None for outcome='nhpt' (both hand columns are used)",
                       self.column)
        if not isinstance(self.options, Mapping):
            raise _err(f, "options", "a mapping of engine options", self.options)
        bad = [k for k in self.options if k in _RESERVED]
        if bad:
            raise _err(f, "options", "engine options other than " + ", ".join(_RESERVED), bad)
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        self.policy()  # validates the threshold against the outcome now, not at run time

    def policy(self) -> ThresholdPolicy:
        """The threshold policy in force (for the 9HPT, guarded so 777 s always counts).

        Examples
        --------
        >>> Component("edss", outcome="edss", threshold="trial").policy().name
        'trial'
        """
        t = self.threshold
        if self.outcome == "nhpt":
            return resolve_nhpt_policy(t)
        if t is None:
            return get_policy("msprog", self.outcome)
        if isinstance(t, str):
            return get_policy(t, self.outcome)
        if isinstance(t, ThresholdPolicy):
            return t
        if callable(t):
            import numpy as np

            fn = t
            return ThresholdPolicy(
                getattr(fn, "__name__", "custom"),
                "a user-supplied function",
                "user",
                np.vectorize(lambda b: float(fn(float(b))), otypes=[np.float64]),
            )
        raise _err("Component", "threshold", "a policy name, a ThresholdPolicy or a function", t)

    def describe(self) -> str:
        """A short phrase naming the measure, its direction and its threshold."""
        label = self.label or _LABEL.get(self.outcome, self.name)
        if self.outcome == "nhpt":
            label += (
                " on either hand" if self.hands == "either" else " on the harmonic mean of hands"
            )
        what = f"{self.column}, worsening = {self.worsening}; " if self.outcome == "custom" else ""
        return f"{label} ({what}minimal change: {self.policy().rule})"


#: The standard components by name, with msprog's default thresholds.
STANDARD_COMPONENTS: dict[str, Component] = {
    "edss": Component("edss", outcome="edss"),
    "t25fw": Component("t25fw", outcome="t25fw", threshold="pct20"),
    "nhpt": Component("nhpt", outcome="nhpt", threshold="pct20", hands="either"),
    "sdmt": Component("sdmt", outcome="sdmt"),
}


@dataclass(frozen=True)
class CompositeDefinition:
    """A named composite endpoint: its components and the engine options they share.

    Parameters
    ----------
    name
        Name printed in reports (``"EDSS-Plus"``).
    components
        The components (at least one; names unique).
    options
        Engine options for every component (msprog names), e.g. ``{"conf_days": 168}``.
    source
        Where the definition comes from.

    Examples
    --------
    >>> d = CompositeDefinition("EDSS+9HPT", (STANDARD_COMPONENTS["edss"],
    ...                                       STANDARD_COMPONENTS["nhpt"]))
    >>> [c.name for c in d.components]
    ['edss', 'nhpt']
    """

    name: str
    components: tuple[Component, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    def __post_init__(self) -> None:
        f = "CompositeDefinition"
        if not isinstance(self.name, str) or not self.name:
            raise _err(f, "name", "a non-empty text", self.name)
        comps = tuple(self.components)
        if not comps or not all(isinstance(c, Component) for c in comps):
            raise _err(f, "components", "a non-empty sequence of Component", self.components)
        names = [c.name for c in comps]
        if len(set(names)) != len(names):
            raise _err(f, "components", "components with distinct names", names)
        object.__setattr__(self, "components", comps)
        if not isinstance(self.options, Mapping):
            raise _err(f, "options", "a mapping of engine options", self.options)
        bad = [k for k in self.options if k in _RESERVED]
        if bad:
            raise _err(f, "options", "engine options other than " + ", ".join(_RESERVED) +
                       " (set thresholds per component)", bad)
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        make_options(**self.options)  # fail now on a bad option, not when run

    def replace(self, **changes: Any) -> CompositeDefinition:
        """Return a copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def with_edss_threshold(self, threshold: str | ThresholdPolicy) -> CompositeDefinition:
        """Return a copy whose EDSS component uses another threshold policy.

        Examples
        --------
        >>> EDSS_PLUS.with_edss_threshold("msprog").components[0].policy().name
        'msprog'
        """
        comps = tuple(
            dataclasses.replace(c, threshold=threshold) if c.outcome == "edss" else c
            for c in self.components
        )
        return self.replace(components=comps)

    def describe(self, **engine_options: Any) -> str:
        """A methods sentence: the components, their thresholds and the confirmation.

        Examples
        --------
        >>> print(EDSS_PLUS.describe())  # doctest: +ELLIPSIS
        EDSS-Plus (Cadavid et al., Mult Scler 2017; clinical-methods.md 4.2): confirmed ...
        """
        opts = make_options(**{**self.options, **engine_options})
        conf = " or ".join(f"{int(c) if float(c).is_integer() else c}" for c in opts.conf_days)
        parts = []
        for c in self.components:
            own = ""
            if c.options:
                own = " [" + ", ".join(f"{k}={v!r}" for k, v in c.options.items()) + "]"
            parts.append(c.describe() + own)
        src = f" ({self.source})" if self.source else ""
        return (
            f"{self.name}{src}: confirmed worsening on at least one of "
            f"{'; '.join(parts)}; each component confirmed on its own at >= {conf} days "
            "(outcome engine, msprog rules). The composite event is the earliest component "
            "event; components confirmed with the same onset date are all named."
        )


#: EDSS-Plus (Cadavid et al., Mult Scler 2017; clinical-methods.md 4.2), 24-week confirmation.
EDSS_PLUS = CompositeDefinition(
    "EDSS-Plus",
    (
        Component("edss", outcome="edss", threshold="trial"),
        Component("t25fw", outcome="t25fw", threshold="pct20"),
        Component("nhpt", outcome="nhpt", threshold="pct20", hands="either"),
    ),
    options={"conf_days": 168},
    source="Cadavid et al., Mult Scler 2017; clinical-methods.md 4.2",
)


@dataclass(frozen=True)
class CompositeResult:
    """What :func:`detect_composite` returns.

    Attributes
    ----------
    events
        Composite events: ``patient_id``, ``component`` (the measure(s) that drove the event),
        then the engine's event columns taken from the first listed component; ``nevent``
        renumbered per patient. With ``event="first..."`` one row per patient with an event.
    component_events
        Every component's own events (engine columns, plus ``component``; ``hand`` for the
        9-hole peg test run on either hand).
    summary
        One row per patient: ``n_events``, ``first_date``, ``first_component`` and, for each
        component, ``<name>_first_date``.
    definition
        The :class:`CompositeDefinition` in force.
    engine_options
        The engine options in force for every component (before per-component overrides).
    by_component
        The engine's own result for each component.
    """

    events: pl.DataFrame
    component_events: pl.DataFrame
    summary: pl.DataFrame
    definition: CompositeDefinition
    engine_options: Mapping[str, Any]
    by_component: dict[str, Any] = field(repr=False)

    def describe(self) -> str:
        """The methods paragraph: the composite sentence, then the engine's own paragraph."""
        text = self.definition.describe(**self.engine_options)
        first = next(iter(self.by_component.values()), None)
        if first is not None and hasattr(first, "by_hand"):
            first = next(iter(first.by_hand.values()), None)
        if first is not None and hasattr(first, "describe"):
            text += " Engine settings, as stated for the first component: " + str(
                first.describe()
            )
        return text


def _resolve(components: Any) -> tuple[Component, ...]:
    if isinstance(components, str | Component):
        components = (components,)
    if not isinstance(components, Sequence) or not components:
        raise _err("detect_composite", "components",
                   "a non-empty list of component names or Component specs", components)
    out = []
    for c in components:
        if isinstance(c, Component):
            out.append(c)
        elif isinstance(c, str) and c in STANDARD_COMPONENTS:
            out.append(STANDARD_COMPONENTS[c])
        else:
            raise _err("detect_composite", "components",
                       "names among {'edss', 't25fw', 'nhpt', 'sdmt'} or Component specs", c)
    return tuple(out)


_UNSET: Any = object()


def detect_composite(
    visits: pl.DataFrame,
    relapses: pl.DataFrame | None = None,
    *,
    components: Sequence[str | Component] = _UNSET,
    definition: CompositeDefinition | None = None,
    **engine_options: Any,
) -> CompositeResult:
    """Detect confirmed worsening on a composite of measures, naming the component(s) per event.

    Parameters
    ----------
    visits
        Chart visits with ``patient_id``, ``date`` and the components' columns.
    relapses
        Chart relapses, or ``None``.
    components
        Component names (``"edss"``, ``"t25fw"``, ``"nhpt"``, ``"sdmt"``, with msprog's default
        thresholds) or :class:`Component` specs; default ``("edss", "t25fw", "nhpt")``. Not
        together with ``definition``.
    definition
        A named composite such as :data:`EDSS_PLUS`.
    **engine_options
        Options of :func:`msrwe.derive.outcomes.detect_events` for every component (they override
        the definition's own options, e.g. ``conf_days=84``). Thresholds are set per component.

    Returns
    -------
    CompositeResult

    Examples
    --------
    >>> import datetime as dt
    >>> d = [dt.date(2020, 1, 1) + dt.timedelta(days=k) for k in (0, 100, 200)]
    >>> v = pl.DataFrame({"patient_id": ["a"] * 3, "date": d, "edss": [3.0, 4.0, 4.0],
    ...                   "sdmt": [50, 44, 45]})
    >>> res = detect_composite(v, components=["edss", "sdmt"])
    >>> res.events.select("component", "date").rows()
    [('edss+sdmt', datetime.date(2020, 4, 10))]
    """
    if definition is not None and components is not _UNSET:
        raise OptionError(
            "detect_composite takes either 'components' or 'definition', not both. Put custom "
            "components into a CompositeDefinition, or drop 'definition'."
        )
    if definition is None:
        comps = _resolve(("edss", "t25fw", "nhpt") if components is _UNSET else components)
        definition = CompositeDefinition("composite", comps)
    elif not isinstance(definition, CompositeDefinition):
        raise _err("detect_composite", "definition", "a CompositeDefinition", definition)
    bad = [k for k in engine_options if k in _RESERVED]
    if bad:
        raise OptionError(
            f"detect_composite does not take {', '.join(map(repr, bad))}: set the outcome, "
            "column, direction and threshold of each Component instead."
        )
    shared = make_options(**{**definition.options, **engine_options})
    if shared.subjects is not None:
        shared = shared.replace(subjects=[str(x) for x in shared.subjects])  # ids are text here
    visits = as_polars(visits, "visits", "detect_composite")
    if relapses is not None:
        relapses = as_polars(relapses, "relapses", "detect_composite")
    patients = patient_series(visits, shared.subjects)
    by_component: dict[str, Any] = {}
    tables: dict[str, pl.DataFrame] = {}
    for c in definition.components:
        tables[c.name], by_component[c.name] = _run_component(c, visits, relapses, shared)
    events = merge_events(
        {k: t.drop("hand", strict=False) for k, t in tables.items()},
        label_col="component",
        first_only=shared.event in _FIRST_ONLY,
        patient_order=patients,
    )
    comp_events = pl.concat(
        [t.with_columns(pl.lit(k).alias("component")) for k, t in tables.items()],
        how="diagonal_relaxed",
    )
    comp_events = comp_events.select("patient_id", "component", pl.exclude("patient_id",
                                                                            "component"))
    summary = _summary(events, tables, patients)
    return CompositeResult(events, comp_events, summary, definition,
                           MappingProxyType(dict(engine_options)), by_component)


def _run_component(
    c: Component, visits: pl.DataFrame, relapses: pl.DataFrame | None, shared: OutcomeOptions
) -> tuple[pl.DataFrame, Any]:
    opts = shared.replace(**c.options)
    if c.outcome == "nhpt":
        res = detect_nhpt_events(visits, relapses, hands=c.hands, options=opts,
                                 delta_fun=c.policy())
        return res.events, res
    column = c.column or {"edss": "edss", "t25fw": "t25fw_s", "sdmt": "sdmt"}[c.outcome]
    if column not in visits.columns:
        raise InputError(
            f"visits: column '{column}' is missing; the composite component '{c.name}' needs it."
        )
    res = run_engine(
        visits.filter(pl.col(column).is_not_null()),
        relapses,
        opts.replace(
            outcome=c.outcome,
            value_col=column,
            delta_fun=c.policy(),
            worsening=c.worsening if c.outcome == "custom" else None,
        ),
    )
    return res.events, res


def _summary(
    events: pl.DataFrame, tables: Mapping[str, pl.DataFrame], patients: pl.Series
) -> pl.DataFrame:
    out = patients.cast(pl.String).alias("patient_id").to_frame()
    ev = events.with_columns(pl.col("patient_id").cast(pl.String))
    agg = ev.group_by("patient_id").agg(
        pl.len().cast(pl.Int64).alias("n_events"),
        pl.col("date").min().alias("first_date"),
        pl.col("component").sort_by("date").first().alias("first_component"),
    )
    out = out.join(agg, on="patient_id", how="left", maintain_order="left").with_columns(
        pl.col("n_events").fill_null(0)
    )
    for name, t in tables.items():
        firsts = (
            t.with_columns(pl.col("patient_id").cast(pl.String))
            .group_by("patient_id")
            .agg(pl.col("date").min().alias(f"{name}_first_date"))
        )
        out = out.join(firsts, on="patient_id", how="left", maintain_order="left")
    return out
