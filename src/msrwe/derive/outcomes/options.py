"""The options of the outcome engine, validated in one declared place.

Names, meanings and defaults are those of msprog / pymsprog 1.0.7 ``MSprog`` (clinical-methods.md
section 2.2), so a methods section written for msprog maps one to one. :func:`make_options` checks
every option and raises :class:`msrwe.errors.OptionError` with a message in one form, e.g.
"The 'baseline' parameter of detect_events must be one of {'fixed', 'roving', 'roving_impr',
'roving_wors'}. Got 'rolling' instead."

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
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields
from typing import Any

from msrwe.derive.outcomes.thresholds import ThresholdPolicy, get_policy
from msrwe.errors import OptionError

__all__ = ["CHOICES", "DEFAULTS", "OutcomeOptions", "RelapseIndep", "make_options"]

#: Allowed values of every option that takes a name.
CHOICES: dict[str, tuple[str, ...]] = {
    "outcome": ("edss", "nhpt", "t25fw", "sdmt", "custom"),
    "worsening": ("increase", "decrease"),
    "event": ("firstCDW", "firstCDI", "first", "firstPIRA", "firstRAW", "multiple"),
    "baseline": ("fixed", "roving", "roving_impr", "roving_wors"),
    "proceed_from": ("firstconf", "event"),
    "sub_threshold_rebl": ("none", "event", "improvement", "worsening"),
    "skip_local_extrema": ("none", "strict", "all"),
    "prec_type": ("baseline", "last", "last_delta"),
}

#: Default value of every option (pymsprog 1.0.7 defaults; ``relapse_indep=None`` means
#: ``{'prec': (0, 0), 'event': (90, 30), 'conf': (90, 30), 'prec_type': 'baseline'}``).
DEFAULTS: dict[str, Any] = {
    "outcome": "edss",
    "value_col": None,
    "delta_fun": None,
    "worsening": None,
    "valuedelta_col": None,
    "event": "firstCDW",
    "RAW_PIRA": False,
    "baseline": "fixed",
    "proceed_from": "firstconf",
    "sub_threshold_rebl": "none",
    "bl_geq": False,
    "relapse_rebl": False,
    "skip_local_extrema": "none",
    "conf_days": 84,
    "conf_tol_days": (7, 730.5),
    "validconf_col": None,
    "require_sust_days": 0,
    "check_intermediate": True,
    "relapse_to_bl": 30,
    "relapse_to_event": 0,
    "relapse_to_conf": 30,
    "relapse_assoc": 90,
    "relapse_indep": None,
    "impute_last_visit": 0,
    "subjects": None,
    "return_unconfirmed": False,
    "random_state": None,
}

_DEFAULT_VALUE_COL = {"edss": "edss", "sdmt": "sdmt", "t25fw": "t25fw_s"}


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
    """Every definition in force for one run of :func:`detect_events` (validated, immutable).

    Build it with :func:`make_options`; the fields mirror msprog's arguments after
    normalisation (windows as tuples, pairs as ``(before, after)``).

    Examples
    --------
    >>> o = make_options(conf_days=[84, 168])
    >>> o.conf_days, o.relapse_to_bl
    ((84.0, 168.0), (30.0, 0.0))
    """

    outcome: str
    value_col: str | None
    delta_fun: ThresholdPolicy | Callable[[float], float]
    worsening: str
    valuedelta_col: str | None
    event: str
    RAW_PIRA: bool
    baseline: str
    proceed_from: str
    sub_threshold_rebl: str
    bl_geq: bool
    relapse_rebl: bool
    skip_local_extrema: str
    conf_days: tuple[float, ...]
    conf_tol_days: tuple[tuple[float, float], ...]
    validconf_col: str | None
    require_sust_days: float
    check_intermediate: bool
    relapse_to_bl: tuple[float, float]
    relapse_to_event: tuple[float, float]
    relapse_to_conf: tuple[float, float]
    relapse_assoc: tuple[float, float]
    relapse_indep: RelapseIndep
    impute_last_visit: float
    subjects: tuple[Any, ...] | None
    return_unconfirmed: bool
    random_state: int | None

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

    def __str__(self) -> str:
        lines = []
        for f in fields(self):
            v = getattr(self, f.name)
            text = str(v) if isinstance(v, str | ThresholdPolicy) else repr(v)
            lines.append(f"{f.name} = {text}")
        return "\n".join(lines)


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


def make_options(**kwargs: Any) -> OutcomeOptions:
    """Validate options given with msprog's names and return the frozen options object.

    Parameters
    ----------
    **kwargs
        Any option of :func:`detect_events` (see :data:`DEFAULTS` for names and defaults).

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
    unknown = sorted(set(kwargs) - set(DEFAULTS))
    if unknown:
        raise OptionError(
            f"detect_events got unknown option(s) {', '.join(map(repr, unknown))}; known options "
            f"are {', '.join(sorted(DEFAULTS))}."
        )
    o = {**DEFAULTS, **kwargs}
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
    tol_in = o["conf_tol_days"]
    if isinstance(tol_in, Mapping):
        tols = []
        for c_in, c in zip(conf_list, conf_days, strict=True):
            key = next((k for k in tol_in if float(k) == c), None)
            if key is None:
                raise _err("conf_tol_days", f"a dict with a key for every value of conf_days "
                           f"(missing {c_in!r})", dict(tol_in))
            tols.append(_pair("conf_tol_days", tol_in[key], second_default=None, inf_ok=True))
        conf_tol = tuple(tols)
    else:
        p = _pair("conf_tol_days", tol_in, second_default=None, inf_ok=True)
        conf_tol = tuple(p for _ in conf_days)
    if any(math.isinf(a) for a, _ in conf_tol):
        raise _err("conf_tol_days", "a finite left tolerance", tol_in)

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
    return OutcomeOptions(
        outcome=outcome,
        value_col=value_col,
        delta_fun=delta,
        worsening=worsening,
        valuedelta_col=o["valuedelta_col"],
        event=_choice("event", o["event"]),
        RAW_PIRA=_bool("RAW_PIRA", o["RAW_PIRA"]),
        baseline=_choice("baseline", o["baseline"]),
        proceed_from=_choice("proceed_from", o["proceed_from"]),
        sub_threshold_rebl=_choice("sub_threshold_rebl", o["sub_threshold_rebl"]),
        # msprog only uses bl_geq when re-baselining after relapses.
        bl_geq=_bool("bl_geq", o["bl_geq"]) and relapse_rebl,
        relapse_rebl=relapse_rebl,
        skip_local_extrema=_choice("skip_local_extrema", o["skip_local_extrema"]),
        conf_days=conf_days,
        conf_tol_days=conf_tol,
        validconf_col=o["validconf_col"],
        require_sust_days=_nonneg("require_sust_days", o["require_sust_days"], inf_ok=True),
        check_intermediate=_bool("check_intermediate", o["check_intermediate"]),
        relapse_to_bl=_pair("relapse_to_bl", o["relapse_to_bl"]),
        relapse_to_event=_pair("relapse_to_event", o["relapse_to_event"]),
        relapse_to_conf=_pair("relapse_to_conf", o["relapse_to_conf"]),
        relapse_assoc=_pair("relapse_assoc", o["relapse_assoc"], inf_ok=True),
        relapse_indep=_relapse_indep(o["relapse_indep"]),
        impute_last_visit=float(impute),
        subjects=subjects,
        return_unconfirmed=_bool("return_unconfirmed", o["return_unconfirmed"]),
        random_state=rs,
    )
