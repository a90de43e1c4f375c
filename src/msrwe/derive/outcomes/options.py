"""The options of the outcome engine, declared once and validated in one place.

:class:`OutcomeOptions` is the single declaration: each field is one option with msprog's name,
default and allowed values (pymsprog 1.0.7 ``MSprog``; clinical-methods.md section 2.2) and a line
of help. Everything else is generated from it: :data:`OPTIONS`, :data:`DEFAULTS` and
:data:`CHOICES`; the keywords :func:`~msrwe.derive.outcomes.detect_events` checks; the study
file's ``[outcomes]`` section; and the flags of ``msrwe outcomes``. Building the object validates
every option and raises :class:`msrwe.errors.OptionError` with a message in one form, e.g.
"The 'baseline' parameter of detect_events must be one of {'fixed', 'roving', 'roving_impr',
'roving_wors'}. Got 'rolling' instead."

Adding an option is one line here (a field built with :func:`option`), plus its use in the
engine: the study file, the command line and the docs follow.

Examples
--------
>>> opts = make_options(baseline="roving", event="multiple")
>>> opts.baseline, opts.conf_days, opts.conf_tol_days
('roving', (84.0,), ((7.0, 730.5),))
>>> make_options(baseline="rolling")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
msrwe.errors.OptionError: The 'baseline' parameter of detect_events must be one of
{'fixed', 'roving', 'roving_impr', 'roving_wors'}. Got 'rolling' instead.
>>> OPTIONS[0].name, OPTIONS[0].default, OPTIONS[0].choices
('outcome', 'edss', ('edss', 'nhpt', 't25fw', 'sdmt', 'custom'))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from msrwe.derive.outcomes.thresholds import POLICIES, ThresholdPolicy, get_policy
from msrwe.errors import OptionError

__all__ = [
    "CHOICES",
    "DEFAULTS",
    "KINDS",
    "OPTIONS",
    "Option",
    "OutcomeOptions",
    "RelapseIndep",
    "make_options",
    "option",
]

#: How an option's value is written and checked (the command line and the study file read them
#: by kind): a name among ``choices``, true/false, days (``inf`` where allowed), a list of days,
#: a pair of days ``(before, after)``, a tolerance per confirmation period, a column name, a
#: threshold policy, relapse-free intervals, patient identifiers, a seed, a probability or days.
KINDS: tuple[str, ...] = ("choice", "bool", "days", "days_list", "pair", "tolerance", "column",
                          "policy", "intervals", "ids", "seed", "impute")


@dataclass(frozen=True)
class Option:
    """One option of the outcome engine, as :class:`OutcomeOptions` declares it.

    Attributes
    ----------
    name
        msprog's name of the option.
    default
        msprog's default, as a user would write it (``None``: worked out from other options).
    kind
        One of :data:`KINDS`.
    help
        What the option means, in one line.
    choices
        The allowed values of a ``choice``.
    follows_outcome
        Whether the default depends on ``outcome`` (``value_col``, ``delta_fun``, ``worsening``).
    """

    name: str
    default: Any
    kind: str
    help: str
    choices: tuple[str, ...] = ()
    follows_outcome: bool = False


def option(default: Any, kind: str, help: str, *, choices: tuple[str, ...] = (),
           follows_outcome: bool = False) -> Any:
    """Declare one field of :class:`OutcomeOptions` (its default, kind, help and choices).

    Examples
    --------
    >>> f = option(84, "days_list", "Confirmation period(s) in days.")
    >>> f.default, f.metadata["option"][0]
    (84, 'days_list')
    """
    return field(default=default,
                 metadata={"option": (kind, help, tuple(choices), follows_outcome)})


@dataclass(frozen=True)
class RelapseIndep:
    """Relapse-free intervals that make a confirmed worsening a PIRA (msprog ``relapse_indep``).

    Each checkpoint has an interval ``(days before, days after)``; ``None`` as the right end of
    one interval and the left end of the next merges them; ``(0, 0)`` ignores the checkpoint.

    Examples
    --------
    >>> print(RelapseIndep())  # doctest: +NORMALIZE_WHITESPACE
    no relapse from 90 days before the event onset to 30 days after the event onset;
    no relapse from 90 days before the confirmation visit to 30 days after the confirmation visit
    """

    prec: tuple[float | None, float | None] = (0.0, 0.0)
    event: tuple[float | None, float | None] = (90.0, 30.0)
    conf: tuple[float | None, float | None] = (90.0, 30.0)
    prec_type: str = "baseline"

    def __str__(self) -> str:
        names = {
            "prec": {"baseline": "the baseline", "last": "the last visit before onset",
                     "last_delta": "the last visit a meaningful change below the onset score"}[
                self.prec_type],
            "event": "the event onset",
            "conf": "the confirmation visit",
        }
        parts: list[str] = []
        pending: str | None = None
        for key in ("prec", "event", "conf"):
            lo, hi = getattr(self, key)
            if lo == 0 and hi == 0:
                continue
            start = pending if lo is None and pending else f"{_num(lo)} days before {names[key]}"
            if hi is None:
                pending = start
                continue
            parts.append(f"no relapse from {start} to {_num(hi)} days after {names[key]}")
            pending = None
        return "; ".join(parts) if parts else "no relapse-free interval required"


def _num(x: float | None) -> str:
    if x is None:
        return "?"
    return str(int(x)) if float(x).is_integer() else str(x)


@dataclass(frozen=True)
class OutcomeOptions:
    """Every definition in force for one run of the outcome engine (validated, immutable).

    Build it with :func:`make_options` (or directly, with the same keywords); values are
    normalised on the way in (windows as tuples of floats, pairs as ``(before, after)``, the
    threshold policy resolved for the outcome). Each field is one option of msprog; the field list
    is the declaration every other place reads (:data:`OPTIONS`).

    Examples
    --------
    >>> o = make_options(conf_days=[84, 168])
    >>> o.conf_days, o.relapse_to_bl
    ((84.0, 168.0), (30.0, 0.0))
    >>> o.replace(outcome="t25fw").value_col
    't25fw_s'
    >>> make_options(conf_days=168, relapse_assoc=(90, 7)).to_dict()["relapse_assoc"]
    [90, 7]
    """

    outcome: str = option(
        "edss", "choice", "The outcome measure ('custom': give value_col, delta_fun, worsening).",
        choices=("edss", "nhpt", "t25fw", "sdmt", "custom"))
    value_col: str | None = option(
        None, "column", "Column with the outcome values (default from the outcome).",
        follows_outcome=True)
    delta_fun: ThresholdPolicy | Callable[[float], float] = option(  # noqa: RUF009
        None, "policy", "Threshold policy: msprog, trial, lorscheider, pct20, sdmt_msprog, "
        "sdmt_4_or_10pct (default: msprog's rule for the outcome).", follows_outcome=True)
    worsening: str = option(
        None, "choice", "Direction of worsening; only for outcome='custom'.",
        choices=("increase", "decrease"), follows_outcome=True)
    valuedelta_col: str | None = option(
        None, "column", "Column whose value at the reference visit sets the threshold.")
    event: str = option(
        "firstCDW", "choice", "Which events to keep (profile 'msoutcomes': CDW, CDI, CDEseq, "
        "PIRA).",
        choices=("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple",
                 "CDW", "CDI", "CDEseq", "PIRA"))
    RAW_PIRA: bool = option(False, "bool", "Classify worsening events as RAW, PIRA or undefined.")
    baseline: str = option(
        "fixed", "choice", "Baseline scheme.",
        choices=("fixed", "roving", "roving_impr", "roving_wors"))
    proceed_from: str = option(
        "firstconf", "choice", "Where the search (and a roving baseline) resumes after an event.",
        choices=("firstconf", "event"))
    sub_threshold_rebl: str = option(
        "none", "choice", "Confirmed changes below the threshold that move a roving baseline.",
        choices=("none", "event", "improvement", "worsening"))
    bl_geq: bool = option(
        False, "bool", "With relapse_rebl: the new reference is never lower than the previous.")
    relapse_rebl: bool = option(False, "bool", "Re-baseline after every relapse.")
    skip_local_extrema: str = option(
        "none", "choice", "Local extrema that cannot be a new baseline.",
        choices=("none", "strict", "all"))
    conf_days: tuple[float, ...] = option(
        84, "days_list", "Confirmation period(s) in days.")
    conf_tol_days: tuple[tuple[float, float], ...] = option(
        (7, 730.5), "tolerance", "Tolerance (left, right) in days around each confirmation "
        "period (right may be inf).")
    validconf_col: str | None = option(
        None, "column", "Boolean column: visits usable as confirmation.")
    require_sust_days: float = option(
        0, "days", "Days the change must be sustained (inf: to the last visit).")
    check_intermediate: bool = option(
        True, "bool", "All visits up to confirmation must also meet the threshold.")
    relapse_to_bl: tuple[float, float] = option(
        30, "pair", "Days from a relapse (before, after) within which a visit is no baseline.")
    relapse_to_event: tuple[float, float] = option(
        0, "pair", "Days from a relapse (before, after) within which a visit is no event onset.")
    relapse_to_conf: tuple[float, float] = option(
        30, "pair", "Days from a relapse (before, after) within which a visit cannot confirm.")
    relapse_assoc: tuple[float, float] = option(
        90, "pair", "Maximum days from a relapse (before, after) for a worsening to be RAW.")
    relapse_indep: RelapseIndep = option(  # noqa: RUF009
        None, "intervals", "Relapse-free intervals for PIRA: {prec, event, conf, prec_type}.")
    impute_last_visit: float = option(
        0, "impute", "Probability of counting an unconfirmed worsening at the last visit, or "
        "(if > 1) the follow-up in days within which it always counts.")
    subjects: tuple[Any, ...] | None = option(
        None, "ids", "Patients to analyse (default all).")
    return_unconfirmed: bool = option(False, "bool", "Also return unconfirmed changes.")
    random_state: int | None = option(
        None, "seed", "Seed for 0 < impute_last_visit < 1 (one draw per patient).")
    profile: str = option(
        "msprog", "choice", "Definition family: msprog, or msoutcomes (the R package MSoutcomes "
        "0.2.1, EDSS only; docs/outcomes.md).", choices=("msprog", "msoutcomes"))
    mconf: float = option(
        3 * 30.25, "days", "Profile msoutcomes: confirmation period in days (MSoutcomes' mconf).")
    tRelapse: float = option(
        30, "days", "Profile msoutcomes: minimum days from the last relapse (MSoutcomes' "
        "tRelapse).")
    sustained: bool = option(
        True, "bool", "Profile msoutcomes: keep only events sustained to the last visit "
        "(MSoutcomes' sustained).")

    def __post_init__(self) -> None:
        for name, value in _validated({f.name: getattr(self, f.name) for f in fields(self)}):
            object.__setattr__(self, name, value)

    @property
    def rawpira(self) -> bool:
        """Whether worsening events are classified as RAW / PIRA / undefined."""
        if self.event in ("firstCDW", "multiple", "first"):
            return self.RAW_PIRA
        return self.event != "firstCDI"

    @property
    def conf_labels(self) -> tuple[str, ...]:
        """Labels of the confirmation windows as used in column names (``conf84_date``)."""
        return tuple(_num(c) for c in self.conf_days)

    def replace(self, **changes: Any) -> OutcomeOptions:
        """A copy with some options changed, validated again.

        When ``outcome`` changes, the options whose default follows it (``value_col``,
        ``delta_fun``, ``worsening``) go back to their default unless they are changed too.

        Raises
        ------
        OptionError
            An unknown option or a value it does not accept.
        """
        _check_names(changes)
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        if "outcome" in changes and changes["outcome"] != self.outcome:
            for o in OPTIONS:
                if o.follows_outcome and o.name not in changes:
                    values[o.name] = o.default
        return OutcomeOptions(**{**values, **changes})

    def to_dict(self) -> dict[str, Any]:
        """The options as msprog's keywords would write them (plain values; ``None`` = unset).

        Feeding the result back (``make_options(**o.to_dict())``) gives equal options whenever
        the threshold policy is a named one.
        """
        return {o.name: _plain(o, getattr(self, o.name)) for o in OPTIONS}

    def __str__(self) -> str:
        lines = []
        for f in fields(self):
            v = getattr(self, f.name)
            text = str(v) if isinstance(v, str | ThresholdPolicy) else repr(v)
            lines.append(f"{f.name} = {text}")
        return "\n".join(lines)


#: Every option, in declaration order (generated from :class:`OutcomeOptions`).
OPTIONS: tuple[Option, ...] = tuple(
    Option(f.name, f.default, *f.metadata["option"]) for f in fields(OutcomeOptions)
)

#: Default value of every option (pymsprog 1.0.7 defaults; ``relapse_indep=None`` means
#: ``{'prec': (0, 0), 'event': (90, 30), 'conf': (90, 30), 'prec_type': 'baseline'}``).
DEFAULTS: dict[str, Any] = {o.name: o.default for o in OPTIONS}

#: Allowed values of every option that takes a name (and of ``relapse_indep['prec_type']``).
CHOICES: dict[str, tuple[str, ...]] = {
    **{o.name: o.choices for o in OPTIONS if o.choices},
    "prec_type": ("baseline", "last", "last_delta"),
}

_DEFAULT_VALUE_COL = {"edss": "edss", "sdmt": "sdmt", "t25fw": "t25fw_s"}


def _check_names(kwargs: Mapping[str, Any]) -> None:
    unknown = sorted(set(kwargs) - set(DEFAULTS))
    if unknown:
        raise OptionError(
            f"detect_events got unknown option(s) {', '.join(map(repr, unknown))}; known options "
            f"are {', '.join(sorted(DEFAULTS))}."
        )


def make_options(**kwargs: Any) -> OutcomeOptions:
    """Validate options given with msprog's names and return the frozen options object.

    This is the one function every caller goes through: :func:`detect_events`, the study file's
    ``[outcomes]`` section and ``msrwe outcomes``.

    Parameters
    ----------
    **kwargs
        Any option of :func:`detect_events` (see :data:`OPTIONS` for names and defaults).

    Returns
    -------
    OutcomeOptions

    Raises
    ------
    OptionError
        An unknown option name or a value outside what the option accepts.

    Examples
    --------
    >>> make_options(relapse_assoc=(90, 7)).relapse_assoc
    (90.0, 7.0)
    >>> make_options(conf_days=84, conf_tol_days={84: 30}).conf_tol_days
    ((30.0, 30.0),)
    """
    _check_names(kwargs)
    return OutcomeOptions(**kwargs)


def _plain_number(x: float | None) -> float | int | None:
    if x is None or isinstance(x, int) or math.isinf(x) or not float(x).is_integer():
        return x
    return int(x)


def _plain(o: Option, v: Any) -> Any:
    if o.kind == "days_list":
        vals = [_plain_number(c) for c in v]
        return vals[0] if len(vals) == 1 else vals
    if o.kind == "tolerance":
        pairs = [[_plain_number(a), _plain_number(b)] for a, b in v]
        return pairs[0] if all(p == pairs[0] for p in pairs) else pairs
    if o.kind == "pair":
        return [_plain_number(a) for a in v]
    if o.kind in ("days", "impute"):
        return _plain_number(v)
    if o.kind == "policy" and isinstance(v, ThresholdPolicy):
        if POLICIES.get(v.name) is v:
            return v.name
        return v
    if o.kind == "intervals":
        return {"prec": [_plain_number(x) for x in v.prec],
                "event": [_plain_number(x) for x in v.event],
                "conf": [_plain_number(x) for x in v.conf], "prec_type": v.prec_type}
    if o.kind == "ids" and v is not None:
        return list(v)
    return v


#: The longest finite number of days an option may take (100 years; issue 9, item 10).
MAX_DAYS = 36525


def _err(name: str, expected: str, got: Any) -> OptionError:
    rule = f"must be {expected}. Got {got!r} instead."
    return OptionError(f"The {name!r} parameter of detect_events {rule}", option=name, rule=rule)


def _choice(name: str, value: Any) -> str:
    allowed = CHOICES[name]
    if value not in allowed:
        raise _err(name, "one of {" + ", ".join(repr(a) for a in allowed) + "}", value)
    return str(value)


def _bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool | int) or value not in (0, 1):
        raise _err(name, "True or False", value)
    return bool(value)


def _nonneg(name: str, value: Any, *, inf_ok: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise _err(name, "a non-negative number of days", value)
    if value < 0 or (math.isinf(value) and not inf_ok):
        raise _err(name, "a non-negative " + ("number" if inf_ok else "finite number"), value)
    if not math.isinf(value) and value > MAX_DAYS:  # 1e308 is a typing error, not a window
        raise _err(name, f"at most {MAX_DAYS} days (100 years)"
                   + (" or inf for no limit" if inf_ok else ""), value)
    return float(value)


def _pair(name: str, value: Any, *, second_default: float | None = 0.0,
          inf_ok: bool = False) -> tuple[float, float]:
    if isinstance(value, int | float) and not isinstance(value, bool):
        vals = [value, value if second_default is None else second_default]
    elif isinstance(value, list | tuple) and len(value) in (1, 2):
        vals = list(value)
        if len(vals) == 1:
            vals = [vals[0], vals[0] if second_default is None else second_default]
    else:
        raise _err(name, "a number of days or a pair (before, after)", value)
    a, b = (_nonneg(name, v, inf_ok=inf_ok) for v in vals)
    return (a, b)


def _relapse_indep(value: Any) -> RelapseIndep:
    if value is None:
        return RelapseIndep()
    if isinstance(value, RelapseIndep):
        return value
    if not isinstance(value, Mapping) or not {"prec", "event", "conf"} <= set(value):
        raise _err("relapse_indep", "a dict with keys 'prec', 'event', 'conf' "
                   "(and optionally 'prec_type')", value)
    out: dict[str, Any] = {}
    for key in ("prec", "event", "conf"):
        iv = value[key]
        if not isinstance(iv, list | tuple) or len(iv) != 2:
            raise _err(f"relapse_indep[{key!r}]", "a pair (days before, days after)", iv)
        out[key] = tuple(None if x is None else _nonneg(f"relapse_indep[{key!r}]", x) for x in iv)
    if out["prec"][0] is None:
        raise _err("relapse_indep['prec']", "a pair whose first element is a number", value["prec"])
    prec_type = value.get("prec_type", "baseline")
    if prec_type not in CHOICES["prec_type"]:
        raise _err("relapse_indep['prec_type']",
                   "one of {" + ", ".join(repr(a) for a in CHOICES["prec_type"]) + "}", prec_type)
    return RelapseIndep(out["prec"], out["event"], out["conf"], prec_type)


def _tolerance(tol_in: Any, conf_list: list[Any], conf_days: tuple[float, ...]
               ) -> tuple[tuple[float, float], ...]:
    if isinstance(tol_in, Mapping):
        tols = []
        for c_in, c in zip(conf_list, conf_days, strict=True):
            key = next((k for k in tol_in if float(k) == c), None)
            if key is None:
                raise _err("conf_tol_days", f"a dict with a key for every value of conf_days "
                           f"(missing {c_in!r})", dict(tol_in))
            tols.append(_pair("conf_tol_days", tol_in[key], second_default=None, inf_ok=True))
        return tuple(tols)
    if (isinstance(tol_in, list | tuple) and len(tol_in) == len(conf_days)
            and all(isinstance(t, list | tuple) for t in tol_in)):
        # one (left, right) per confirmation period, as the options object holds it
        return tuple(_pair("conf_tol_days", t, second_default=None, inf_ok=True) for t in tol_in)
    p = _pair("conf_tol_days", tol_in, second_default=None, inf_ok=True)
    return tuple(p for _ in conf_days)


def _validated(o: dict[str, Any]) -> Iterable[tuple[str, Any]]:
    """Check every option of ``o`` (msprog's names) and yield the normalised values."""
    outcome = _choice("outcome", o["outcome"].lower() if isinstance(o["outcome"], str)
                      else o["outcome"])
    worsening = o["worsening"]
    if outcome in ("edss", "nhpt", "t25fw"):
        worsening = "increase"
    elif outcome == "sdmt":
        worsening = "decrease"
    elif worsening is None:
        raise _err("worsening", "'increase' or 'decrease' when outcome='custom'", None)
    else:
        worsening = _choice("worsening", worsening)
    delta = o["delta_fun"]
    if delta is None:
        if outcome == "custom":
            raise _err("delta_fun", "a threshold policy name or a function when outcome='custom'",
                       None)
        delta = get_policy("msprog", outcome)
    elif isinstance(delta, str):
        delta = get_policy(delta, outcome)
    elif not callable(delta):
        raise _err("delta_fun", "a threshold policy name or a function", delta)

    value_col = o["value_col"]
    if value_col is None and outcome in _DEFAULT_VALUE_COL:
        value_col = _DEFAULT_VALUE_COL[outcome]
    elif value_col is None and outcome == "custom":
        raise _err("value_col", "the name of the column holding the outcome when "
                   "outcome='custom'", None)
    for name in ("value_col", "valuedelta_col", "validconf_col"):
        v = value_col if name == "value_col" else o[name]
        if v is not None and not isinstance(v, str):
            raise _err(name, "a column name or None", v)

    conf_days_in = o["conf_days"]
    conf_list = list(conf_days_in) if isinstance(conf_days_in, Iterable) else [conf_days_in]
    if not conf_list:
        raise _err("conf_days", "a number of days or a non-empty list of them", conf_days_in)
    conf_days = tuple(_nonneg("conf_days", c) for c in conf_list)
    if len(set(conf_days)) != len(conf_days):
        raise _err("conf_days", "a list of distinct numbers of days", conf_days_in)
    conf_tol = _tolerance(o["conf_tol_days"], conf_list, conf_days)
    if any(math.isinf(a) for a, _ in conf_tol):
        raise _err("conf_tol_days", "a finite left tolerance", o["conf_tol_days"])

    impute = o["impute_last_visit"]
    if isinstance(impute, bool) or not isinstance(impute, int | float) or not impute >= 0:
        raise _err("impute_last_visit", "a probability in [0, 1] or a number of days > 1", impute)
    subjects = o["subjects"]
    if subjects is not None:
        if isinstance(subjects, str) or not isinstance(subjects, Iterable):
            raise _err("subjects", "a list of patient identifiers or None", subjects)
        subjects = tuple(subjects)
    rs = o["random_state"]
    if rs is not None and (isinstance(rs, bool) or not isinstance(rs, int)):
        raise _err("random_state", "an integer seed or None", rs)
    relapse_rebl = _bool("relapse_rebl", o["relapse_rebl"])
    profile = _choice("profile", o["profile"])
    event = _choice("event", o["event"])
    _check_profile(profile, event, o)
    yield from {
        "outcome": outcome,
        "value_col": value_col,
        "delta_fun": delta,
        "worsening": worsening,
        "valuedelta_col": o["valuedelta_col"],
        "event": event,
        "RAW_PIRA": _bool("RAW_PIRA", o["RAW_PIRA"]),
        "baseline": _choice("baseline", o["baseline"]),
        "proceed_from": _choice("proceed_from", o["proceed_from"]),
        "sub_threshold_rebl": _choice("sub_threshold_rebl", o["sub_threshold_rebl"]),
        # msprog only uses bl_geq when re-baselining after relapses.
        "bl_geq": _bool("bl_geq", o["bl_geq"]) and relapse_rebl,
        "relapse_rebl": relapse_rebl,
        "skip_local_extrema": _choice("skip_local_extrema", o["skip_local_extrema"]),
        "conf_days": conf_days,
        "conf_tol_days": conf_tol,
        "validconf_col": o["validconf_col"],
        "require_sust_days": _nonneg("require_sust_days", o["require_sust_days"], inf_ok=True),
        "check_intermediate": _bool("check_intermediate", o["check_intermediate"]),
        "relapse_to_bl": _pair("relapse_to_bl", o["relapse_to_bl"]),
        "relapse_to_event": _pair("relapse_to_event", o["relapse_to_event"]),
        "relapse_to_conf": _pair("relapse_to_conf", o["relapse_to_conf"]),
        "relapse_assoc": _pair("relapse_assoc", o["relapse_assoc"], inf_ok=True),
        "relapse_indep": _relapse_indep(o["relapse_indep"]),
        "impute_last_visit": float(impute),
        "subjects": subjects,
        "return_unconfirmed": _bool("return_unconfirmed", o["return_unconfirmed"]),
        "random_state": rs,
        "profile": profile,
        "mconf": _nonneg("mconf", o["mconf"]),
        "tRelapse": _nonneg("tRelapse", o["tRelapse"]),
        "sustained": _bool("sustained", o["sustained"]),
    }.items()


_MSOUTCOMES_ONLY = ("CDW", "CDI", "CDEseq", "PIRA")


def _check_profile(profile: str, event: str, o: Mapping[str, Any]) -> None:
    """The options of one profile are not set under the other (docs/outcomes.md)."""
    if profile == "msprog":
        if event in _MSOUTCOMES_ONLY:
            raise _err("event", "one of msprog's events under profile 'msprog' (give "
                       "profile='msoutcomes' for MSoutcomes' CDW, CDI, CDEseq, PIRA)", event)
        for name in ("mconf", "tRelapse", "sustained"):
            if o[name] != DEFAULTS[name]:
                raise _err(name, "left at its default under profile 'msprog' (it belongs to "
                           "profile 'msoutcomes')", o[name])
        return
    if event not in (*_MSOUTCOMES_ONLY, "firstCDW", "firstCDI", "firstPIRA"):
        raise _err("event", "one of {'CDW', 'CDI', 'CDEseq', 'PIRA'} under profile "
                   "'msoutcomes'", event)
    if isinstance(o["mconf"], int | float) and not isinstance(o["mconf"], bool) \
            and o["mconf"] == 0:
        raise _err("mconf", "a positive number of days", o["mconf"])
