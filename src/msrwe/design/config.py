"""The design file (TOML): read, validate, and hold it as frozen value objects.

A design file declares one two-arm trial: the population, the arms and their allocation, the
schedule (duration, visits, dropout, fixed or event-driven follow-up), the treatment effect, the
endpoints (each a confirmed-event definition of msrwe's outcome engine, as in a study file), the
analysis and the simulation size. The section and key names of the minimal file in
``docs/design.md`` are fixed; the other keys are optional. Every error names the file, the
section and key, the value and the rule.

Examples
--------
>>> d = parse_design('''
... [design]
... title = "MTX vs placebo"
... n_trials = 10
... [population]
... phenotype = "SPMS"
... edss = [3.0, 6.5]
... [arms]
... placebo = 1
... active = 1
... [schedule]
... duration_weeks = 96
... visit_every_weeks = 12
... [effect]
... hazard_ratio = 0.7
... [[endpoints]]
... name = "edss_cdw24"
... outcome = "edss"
... conf_days = 168
... [analysis]
... n_per_arm = [100, 200]
... ''', source="d.toml")
>>> d.endpoints[0].name, d.arm_sizes(100), d.schedule.visit_days()[:3]
('edss_cdw24', (100, 100), (0, 84, 168))
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from msrwe.derive.outcomes.options import make_options
from msrwe.derive.outcomes.thresholds import get_policy
from msrwe.errors import InputError, OptionError
from msrwe.io._settings import parse_toml, read_toml_file

__all__ = [
    "ENDPOINT_OUTCOMES",
    "MEASURES",
    "Analysis",
    "Design",
    "DesignError",
    "Effect",
    "Endpoint",
    "Population",
    "Schedule",
    "load_design",
    "parse_design",
]

#: The measures the natural-history model simulates (a composite names some of them).
MEASURES: tuple[str, ...] = ("edss", "t25fw", "nhpt", "sdmt")
#: The endpoint kinds a design can ask for.
ENDPOINT_OUTCOMES: tuple[str, ...] = (*MEASURES, "edss_plus", "composite", "pira")
_PHENOTYPES = ("SPMS", "PPMS")
_MULTIPLICITY = ("none", "fixed_sequence", "holm")
_DROPOUT_COUNTS = ("censored", "progression")
_FOLLOW_UP = ("fixed", "events")
_HANDS = {"either": "either", "mean": "harmonic", "harmonic": "harmonic"}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_ENGINE_RESERVED = ("outcome", "value_col", "delta_fun", "worsening", "subjects", "event")
_SECTIONS = ("design", "population", "arms", "schedule", "effect", "endpoints", "analysis")


class DesignError(InputError):
    """A design file is malformed or describes a trial that cannot be simulated."""


def _fail(src: str, where: str, value: Any, rule: str) -> DesignError:
    return DesignError(f"{src}: {where} = {value!r}: {rule}.")


@dataclass(frozen=True)
class Population:
    """Who is randomised.

    Attributes
    ----------
    phenotypes
        ``("SPMS",)``, ``("PPMS",)`` or both (patients split evenly).
    edss
        Eligible baseline EDSS range ``(low, high)``, inclusive, on the EDSS grid.
    age
        Eligible age range (recorded in the plan; the model has no age effect).
    source
        ``"published"`` (calibrated parameters) or ``"store"`` (estimated from a store).
    """

    phenotypes: tuple[str, ...] = ("SPMS",)
    edss: tuple[float, float] = (3.0, 6.5)
    age: tuple[float, float] | None = None
    source: str = "published"


@dataclass(frozen=True)
class Schedule:
    """Follow-up, visits and dropout.

    Attributes
    ----------
    duration_weeks
        Follow-up of each patient (``follow_up="fixed"``) or the longest a trial runs after the
        last patient enters (``"events"``).
    visit_every_weeks
        Scheduled visits, from week 0.
    dropout_per_year
        Probability that a patient leaves the trial within a year (exponential dropout).
    dropout_counts_as
        ``"censored"`` or ``"progression"`` (a dropout without a confirmed event counts as one).
    relapse_visits
        An unscheduled visit 14 days after each relapse.
    accrual_weeks
        Time over which patients enter (uniformly).
    follow_up
        ``"fixed"`` or ``"events"`` (the trial stops at ``target_events`` confirmed events of the
        first endpoint).
    target_events
        Events that stop an event-driven trial.
    visit_window_days
        Scheduled visits happen within +/- this many days of their target day (uniformly).
    """

    duration_weeks: float = 96.0
    visit_every_weeks: float = 12.0
    dropout_per_year: float = 0.0
    dropout_counts_as: str = "censored"
    relapse_visits: bool = True
    accrual_weeks: float = 0.0
    follow_up: str = "fixed"
    target_events: int | None = None
    visit_window_days: int = 7

    def visit_days(self) -> tuple[int, ...]:
        """Scheduled visit days from randomisation (day 0) to the end of follow-up."""
        span = self.duration_weeks + (self.accrual_weeks if self.follow_up == "events" else 0)
        n = math.floor(span / self.visit_every_weeks + 1e-9)
        return tuple(round(7 * self.visit_every_weeks * k) for k in range(n + 1))


@dataclass(frozen=True)
class Effect:
    """The treatment effect: a slowing of the latent progression process.

    ``hazard_ratio`` multiplies the rate of latent progression of every measure (1.0 is the
    null); ``by_measure`` overrides it for some measures.
    """

    hazard_ratio: float = 1.0
    by_measure: Mapping[str, float] = field(default_factory=dict)

    def factor(self, measure: str) -> float:
        """The slowing factor on ``measure``."""
        return float(self.by_measure.get(measure, self.hazard_ratio))

    @property
    def is_null(self) -> bool:
        """Whether no measure is slowed."""
        return all(self.factor(m) == 1.0 for m in MEASURES)


@dataclass(frozen=True)
class Endpoint:
    """One confirmed-event endpoint, as in a study file.

    Attributes
    ----------
    name
        Identifier used in the results (``variable``).
    outcome
        ``"edss"``, ``"t25fw"``, ``"nhpt"``, ``"sdmt"``, ``"edss_plus"``, ``"composite"`` or
        ``"pira"`` (EDSS worsening independent of relapses).
    conf_days
        Confirmation period in days.
    threshold
        Threshold policy name (default: ``"trial"`` for the EDSS, ``"pct20"`` for the timed tests,
        msprog's rule for the SDMT).
    hands
        9HPT: ``"either"`` hand or ``"harmonic"`` mean of the hands.
    components
        Composite: the measures (``edss``, ``t25fw``, ``nhpt``, ``sdmt``).
    options
        Further engine options (msprog names).
    """

    name: str
    outcome: str
    conf_days: int = 84
    threshold: str | None = None
    hands: str = "either"
    components: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def measures(self) -> tuple[str, ...]:
        """The simulated measures the endpoint reads."""
        if self.outcome == "edss_plus":
            return ("edss", "t25fw", "nhpt")
        if self.outcome == "composite":
            return self.components
        if self.outcome == "pira":
            return ("edss",)
        return (self.outcome,)

    def policy_name(self, measure: str) -> str:
        """The threshold policy of ``measure`` within this endpoint."""
        if self.threshold is not None and self.outcome in MEASURES:
            return self.threshold
        return {"edss": "trial", "t25fw": "pct20", "nhpt": "pct20", "sdmt": "msprog"}[measure]

    def describe(self) -> str:
        """A phrase for the analysis plan."""
        wk = f"{self.conf_days / 7:g}-week"
        words = {"edss": "EDSS", "t25fw": "timed 25-foot walk (>= 20%)",
                 "nhpt": "9-hole peg test (>= 20%, " + ("either hand)" if self.hands == "either"
                                                         else "mean of both hands)"),
                 "sdmt": "SDMT"}
        if self.outcome == "edss_plus":
            what = "EDSS-Plus (EDSS, timed 25-foot walk >= 20% or 9-hole peg test >= 20%)"
        elif self.outcome == "composite":
            what = "the composite of " + " or ".join(words[m] for m in self.components)
        elif self.outcome == "pira":
            what = "EDSS progression independent of relapse activity (PIRA)"
        else:
            what = words[self.outcome]
        return f"time to {wk} confirmed worsening on {what}"


@dataclass(frozen=True)
class Analysis:
    """The analysis of each simulated trial.

    Attributes
    ----------
    alpha
        Two-sided significance level of the log-rank test.
    n_per_arm
        Grid of the average number of patients per arm (the total, twice this, is split by the
        allocation ratio).
    multiplicity
        ``"none"``, ``"fixed_sequence"`` (endpoints tested in the listed order) or ``"holm"``.
    target_power
        Power wanted; the report names the smallest grid size reaching it.
    """

    alpha: float = 0.05
    n_per_arm: tuple[int, ...] = (100, 200, 300)
    multiplicity: str = "none"
    target_power: float = 0.8


@dataclass(frozen=True)
class Design:
    """A validated trial design (see :func:`parse_design`)."""

    title: str
    n_trials: int
    seed: int
    population: Population
    arms: tuple[tuple[str, float], ...]
    schedule: Schedule
    effect: Effect
    endpoints: tuple[Endpoint, ...]
    analysis: Analysis
    source: str = "<design>"

    @property
    def control(self) -> str:
        """The control arm (``placebo`` or ``control``, else the first listed)."""
        names = [a for a, _ in self.arms]
        for n in ("placebo", "control"):
            if n in names:
                return n
        return names[0]

    @property
    def treatment(self) -> str:
        """The experimental arm."""
        return next(a for a, _ in self.arms if a != self.control)

    def arm_sizes(self, n_per_arm: int) -> tuple[int, int]:
        """Patients in (control, treatment) for a grid point: ``2 n`` split by allocation.

        Examples
        --------
        >>> import dataclasses
        >>> d = dataclasses.replace(_example(), arms=(("placebo", 1.0), ("active", 2.0)))
        >>> d.arm_sizes(150)
        (100, 200)
        """
        ratio = dict(self.arms)
        rc, rt = ratio[self.control], ratio[self.treatment]
        total = 2 * int(n_per_arm)
        nc = max(1, round(total * rc / (rc + rt)))
        return nc, max(1, total - nc)

    def with_changes(self, **changes: Any) -> Design:
        """A copy with some top-level fields replaced (not validated again)."""
        import dataclasses

        return dataclasses.replace(self, **changes)


def _example() -> Design:
    return Design("x", 1, 1, Population(), (("placebo", 1.0), ("active", 1.0)), Schedule(),
                  Effect(), (Endpoint("e", "edss"),), Analysis())


def load_design(path: str | Path) -> Design:
    """Read and validate a design file.

    Raises
    ------
    DesignError
        The file is missing, not TOML, or describes an invalid design (the message names the
        section and key).
    """
    raw = read_toml_file(path, kind="design file", option="DESIGN.toml", error=DesignError)
    return design_from_dict(raw, source=str(path))


def parse_design(text: str, *, source: str = "<design>") -> Design:
    """Validate a design given as TOML text (see the module example)."""
    return design_from_dict(parse_toml(text, source=source, error=DesignError), source=source)


def _num(src: str, where: str, v: Any, *, lo: float | None = None, hi: float | None = None,
         lo_open: bool = False, integer: bool = False) -> float:
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
    if integer:
        ok = ok and float(v).is_integer()
    kind = "a whole number" if integer else "a number"
    rng = ""
    if lo is not None:
        rng += f" {'>' if lo_open else '>='} {lo:g}"
    if hi is not None:
        rng += (" and" if rng else "") + f" <= {hi:g}"
    rule = f"must be {kind}{rng}"
    if not ok:
        raise _fail(src, where, v, rule)
    if lo is not None and (v <= lo if lo_open else v < lo):
        raise _fail(src, where, v, rule)
    if hi is not None and v > hi:
        raise _fail(src, where, v, rule)
    return float(v)


def _table(src: str, raw: Mapping[str, Any], name: str, required: bool) -> Mapping[str, Any]:
    t = raw.get(name)
    if t is None:
        if required:
            raise DesignError(f"{src}: section [{name}] is missing; a design file needs it.")
        return {}
    if not isinstance(t, Mapping):
        raise DesignError(f"{src}: [{name}] must be a table (a section), not {t!r}.")
    return t


def _unknown(src: str, sec: str, t: Mapping[str, Any], known: tuple[str, ...]) -> None:
    extra = [k for k in t if k not in known]
    if extra:
        raise DesignError(f"{src}: [{sec}] has unknown key {extra[0]!r}; known keys: "
                          + ", ".join(known) + ".")


def _population(src: str, t: Mapping[str, Any]) -> Population:
    _unknown(src, "population", t, ("phenotype", "edss", "age", "source"))
    ph = t.get("phenotype", "SPMS")
    phs = (ph,) if isinstance(ph, str) else tuple(ph) if isinstance(ph, list) else None
    if not phs or any(p not in _PHENOTYPES for p in phs):
        raise _fail(src, "[population] phenotype", ph, "must be 'SPMS', 'PPMS' or a list of them")
    edss = t.get("edss", [3.0, 6.5])
    if not (isinstance(edss, list) and len(edss) == 2):
        raise _fail(src, "[population] edss", edss, "must be [low, high]")
    lo = _num(src, "[population] edss[0]", edss[0], lo=0, hi=9.5)
    hi = _num(src, "[population] edss[1]", edss[1], lo=0, hi=9.5)
    if lo > hi:
        raise _fail(src, "[population] edss", edss, "the low end must not exceed the high end")
    age = t.get("age")
    if age is not None:
        if not (isinstance(age, list) and len(age) == 2):
            raise _fail(src, "[population] age", age, "must be [low, high] in years")
        a0 = _num(src, "[population] age[0]", age[0], lo=0, hi=120)
        a1 = _num(src, "[population] age[1]", age[1], lo=a0, hi=120)
        age = (a0, a1)
    source = t.get("source", "published")
    if source not in ("published", "store"):
        raise _fail(src, "[population] source", source, "must be 'published' or 'store'")
    return Population(tuple(dict.fromkeys(phs)), (lo, hi), age, source)


def _arms(src: str, t: Mapping[str, Any]) -> tuple[tuple[str, float], ...]:
    if len(t) != 2:
        raise _fail(src, "[arms]", dict(t), "a design has exactly two arms, e.g. placebo = 1 "
                    "and active = 1 (allocation ratios)")
    out = []
    for k, v in t.items():
        if not _NAME.match(k):
            raise _fail(src, "[arms] arm name", k, "must start with a letter and hold only "
                        "letters, digits and '_'")
        out.append((k, _num(src, f"[arms] {k}", v, lo=0, lo_open=True)))
    vals = [v for _, v in out]
    if any(not v.is_integer() for v in vals) and abs(sum(vals) - 1.0) > 1e-9:
        raise _fail(src, "[arms]", dict(t), f"allocation given as fractions must sum to 1 "
                    f"(these sum to {sum(vals):g}); or give whole-number ratios such as 2 and 1")
    return tuple(out)


def _schedule(src: str, t: Mapping[str, Any]) -> Schedule:
    keys = ("duration_weeks", "visit_every_weeks", "dropout_per_year", "dropout_counts_as",
            "relapse_visits", "accrual_weeks", "follow_up", "target_events",
            "visit_window_days")
    _unknown(src, "schedule", t, keys)
    dur = _num(src, "[schedule] duration_weeks", t.get("duration_weeks", 96), lo=0, lo_open=True)
    every = _num(src, "[schedule] visit_every_weeks", t.get("visit_every_weeks", 12), lo=0,
                 lo_open=True)
    if every > dur:
        raise _fail(src, "[schedule] visit_every_weeks", t.get("visit_every_weeks"),
                    f"the visit schedule is longer than the trial (duration_weeks = {dur:g}); "
                    "a patient would have no follow-up visit")
    drop = _num(src, "[schedule] dropout_per_year", t.get("dropout_per_year", 0.0), lo=0, hi=0.99)
    counts = t.get("dropout_counts_as", "censored")
    if counts not in _DROPOUT_COUNTS:
        raise _fail(src, "[schedule] dropout_counts_as", counts,
                    "must be 'censored' or 'progression'")
    rv = t.get("relapse_visits", True)
    if not isinstance(rv, bool):
        raise _fail(src, "[schedule] relapse_visits", rv, "must be true or false")
    acc = _num(src, "[schedule] accrual_weeks", t.get("accrual_weeks", 0.0), lo=0)
    fu = t.get("follow_up", "fixed")
    if fu not in _FOLLOW_UP:
        raise _fail(src, "[schedule] follow_up", fu, "must be 'fixed' or 'events' (event-driven)")
    target = t.get("target_events")
    if fu == "events":
        if target is None:
            raise DesignError(f"{src}: [schedule] follow_up = 'events' needs target_events "
                              "(the number of events at which the trial stops).")
        target = int(_num(src, "[schedule] target_events", target, lo=1, integer=True))
    elif target is not None:
        raise _fail(src, "[schedule] target_events", target,
                    "is used only with follow_up = 'events'")
    window = int(_num(src, "[schedule] visit_window_days", t.get("visit_window_days", 7), lo=0,
                      hi=3.5 * every, integer=True))
    return Schedule(dur, every, drop, counts, rv, acc, fu, target, window)


def _effect(src: str, t: Mapping[str, Any]) -> Effect:
    _unknown(src, "effect", t, ("hazard_ratio", "by_measure"))
    hr = t.get("hazard_ratio", 1.0)
    hr = 1.0 if hr == "none" else _num(src, "[effect] hazard_ratio", hr, lo=0, lo_open=True,
                                       hi=10)
    by = t.get("by_measure", {})
    if not isinstance(by, Mapping):
        raise _fail(src, "[effect] by_measure", by, "must be a table such as { nhpt = 0.6 }")
    out = {}
    for k, v in by.items():
        if k not in MEASURES:
            raise _fail(src, "[effect.by_measure] key", k, "must be one of " + ", ".join(MEASURES))
        out[k] = 1.0 if v == "none" else _num(src, f"[effect.by_measure] {k}", v, lo=0,
                                              lo_open=True, hi=10)
    return Effect(hr, MappingProxyType(out))


def _endpoint(src: str, i: int, t: Any) -> Endpoint:
    where = f"[[endpoints]] #{i + 1}"
    if not isinstance(t, Mapping):
        raise _fail(src, where, t, "must be a table")
    keys = ("name", "outcome", "conf_days", "threshold", "hands", "components", "options")
    _unknown(src, f"endpoints #{i + 1}", t, keys)
    name = t.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise _fail(src, f"{where} name", name, "must be an identifier (letters, digits, '_')")
    where = f"[[endpoints]] '{name}'"
    outcome = t.get("outcome")
    if outcome not in ENDPOINT_OUTCOMES:
        raise _fail(src, f"{where} outcome", outcome, "the outcome engine knows "
                    + ", ".join(repr(o) for o in ENDPOINT_OUTCOMES))
    conf = int(_num(src, f"{where} conf_days", t.get("conf_days", 84), lo=1, integer=True))
    comps: tuple[str, ...] = ()
    if outcome == "composite":
        c = t.get("components")
        if not isinstance(c, list) or not c or any(x not in MEASURES for x in c):
            raise _fail(src, f"{where} components", c, "a composite needs a list of measures "
                        "among " + ", ".join(MEASURES))
        comps = tuple(dict.fromkeys(c))
    elif "components" in t:
        raise _fail(src, f"{where} components", t["components"],
                    "is only for outcome = 'composite'")
    hands = t.get("hands", "either")
    if hands not in _HANDS:
        raise _fail(src, f"{where} hands", hands, "must be 'either' or 'mean'")
    threshold = t.get("threshold")
    if threshold is not None:
        if outcome not in MEASURES:
            raise _fail(src, f"{where} threshold", threshold,
                        "is set per measure only for single-measure endpoints")
        try:
            get_policy(threshold, outcome)
        except OptionError as exc:
            raise _fail(src, f"{where} threshold", threshold, str(exc).rstrip(".")) from exc
    opts = t.get("options", {})
    if not isinstance(opts, Mapping):
        raise _fail(src, f"{where} options", opts, "must be a table of engine options")
    bad = [k for k in opts if k in _ENGINE_RESERVED or k == "conf_days"]
    if bad:
        raise _fail(src, f"{where} options", bad[0], "is set by the endpoint itself")
    try:
        make_options(conf_days=conf, **opts)
    except (OptionError, TypeError) as exc:
        raise _fail(src, f"{where} options", dict(opts), f"not valid engine options ({exc})") \
            from exc
    return Endpoint(name, outcome, conf, threshold, _HANDS[hands], comps,
                    MappingProxyType(dict(opts)))


def _analysis(src: str, t: Mapping[str, Any]) -> Analysis:
    _unknown(src, "analysis", t, ("alpha", "n_per_arm", "multiplicity", "target_power"))
    alpha = _num(src, "[analysis] alpha", t.get("alpha", 0.05), lo=0, lo_open=True, hi=0.5)
    grid = t.get("n_per_arm", [100, 200, 300])
    if isinstance(grid, int) and not isinstance(grid, bool):
        grid = [grid]
    if not isinstance(grid, list) or not grid:
        raise _fail(src, "[analysis] n_per_arm", grid, "must be a list of patients per arm")
    ns = []
    for v in grid:
        if isinstance(v, int | float) and not isinstance(v, bool) and v <= 0:
            raise _fail(src, "[analysis] n_per_arm", grid,
                        "a trial with zero patients cannot be simulated; give sizes >= 2")
        ns.append(int(_num(src, "[analysis] n_per_arm", v, lo=2, hi=100_000, integer=True)))
    mult = t.get("multiplicity", "none")
    if mult not in _MULTIPLICITY:
        raise _fail(src, "[analysis] multiplicity", mult,
                    "must be 'none', 'fixed_sequence' or 'holm'")
    tp = _num(src, "[analysis] target_power", t.get("target_power", 0.8), lo=0, lo_open=True,
              hi=0.999)
    return Analysis(alpha, tuple(sorted(set(ns))), mult, tp)


def design_from_dict(raw: Mapping[str, Any], *, source: str = "<design>") -> Design:
    """Validate a parsed design file (a dict as TOML gives it) into a :class:`Design`."""
    src = source
    extra = [k for k in raw if k not in _SECTIONS]
    if extra:
        raise DesignError(f"{src}: unknown section [{extra[0]}]; a design file has "
                          + ", ".join(f"[{s}]" for s in _SECTIONS) + ".")
    d = _table(src, raw, "design", True)
    _unknown(src, "design", d, ("title", "n_trials", "seed"))
    title = d.get("title", "Trial design")
    if not isinstance(title, str) or not title.strip():
        raise _fail(src, "[design] title", title, "must be a non-empty text")
    n_trials = int(_num(src, "[design] n_trials", d.get("n_trials", 1000), lo=1, hi=1_000_000,
                        integer=True))
    seed = int(_num(src, "[design] seed", d.get("seed", 1), lo=0, integer=True))
    arms = _arms(src, _table(src, raw, "arms", True))
    eps = raw.get("endpoints")
    if not isinstance(eps, list) or not eps:
        raise DesignError(f"{src}: no [[endpoints]]; a design needs at least one endpoint.")
    endpoints = tuple(_endpoint(src, i, e) for i, e in enumerate(eps))
    names = [e.name for e in endpoints]
    dup = next((n for n in names if names.count(n) > 1), None)
    if dup:
        raise _fail(src, "[[endpoints]] name", dup, "endpoint names must be unique")
    design = Design(
        title=title.strip(), n_trials=n_trials, seed=seed,
        population=_population(src, _table(src, raw, "population", False)),
        arms=arms, schedule=_schedule(src, _table(src, raw, "schedule", True)),
        effect=_effect(src, _table(src, raw, "effect", False)),
        endpoints=endpoints, analysis=_analysis(src, _table(src, raw, "analysis", False)),
        source=src,
    )
    for n in design.analysis.n_per_arm:
        if min(design.arm_sizes(n)) < 1:
            raise _fail(src, "[analysis] n_per_arm", n, "leaves an arm with zero patients")
    return design
