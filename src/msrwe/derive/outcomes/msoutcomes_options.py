"""Options of the MSoutcomes profile, validated once, and its methods paragraph.

The profile reproduces CORe's R package **MSoutcomes 0.2.1** (CRAN, MIT; Kalincik et al. 2015,
Sharmin et al. 2022, Dzau et al. 2023): option names and defaults are the package's (``mconf`` =
3 x 30.25 = 90.75 days, ``tRelapse`` = 30 days, ``sustained`` = true). ``early_stop`` is
msrwe's: ``True`` reproduces the package; ``False`` is the corrected ``CDEseq`` variant
(docs/outcomes.md, "MSoutcomes profile").

Examples
--------
>>> o = make_msoutcomes_options(event="PIRA", sustained=False)
>>> o.event, o.mconf, o.tRelapse, o.sustained
('PIRA', 90.75, 30.0, False)
>>> make_msoutcomes_options(event="RAW")  # doctest: +NORMALIZE_WHITESPACE
Traceback (most recent call last):
...
msrwe.errors.OptionError: The 'event' parameter of detect_events (profile 'msoutcomes') must be
one of {'CDW', 'CDI', 'CDEseq', 'PIRA'}. Got 'RAW' instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from msrwe.errors import OptionError

__all__ = ["MSOUTCOMES_EVENTS", "MSOUTCOMES_VERSION", "MSOutcomesOptions",
           "describe_msoutcomes", "make_msoutcomes_options"]

#: The R package and version the profile reproduces.
MSOUTCOMES_VERSION = "MSoutcomes 0.2.1"
#: The package's event functions.
MSOUTCOMES_EVENTS = ("CDW", "CDI", "CDEseq", "PIRA")
#: msprog event names read as the MSoutcomes function that answers the same question (all the
#: events the function returns, as the R package does, not only the first).
_ALIASES = {"firstCDW": "CDW", "firstCDI": "CDI", "firstPIRA": "PIRA"}


@dataclass(frozen=True)
class MSOutcomesOptions:
    """Validated options of the MSoutcomes profile (see :func:`make_msoutcomes_options`)."""

    event: str = "CDW"
    mconf: float = 3 * 30.25
    tRelapse: float = 30.0
    sustained: bool = True
    early_stop: bool = True
    value_col: str = "edss"
    days_post_relapse_col: str | None = None
    subjects: tuple[Any, ...] | None = None

    @property
    def profile(self) -> str:
        """Always ``'msoutcomes'``."""
        return "msoutcomes"


def _fail(name: str, rule: str) -> OptionError:
    return OptionError(f"The {name!r} parameter of detect_events (profile 'msoutcomes') {rule}",
                       option=name, rule=rule)


def _days(name: str, value: Any, positive: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(name, f"must be a number of days. Got {value!r} instead.")
    x = float(value)
    if not math.isfinite(x) or x < 0 or (positive and x == 0):
        what = "a positive" if positive else "a non-negative"
        raise _fail(name, f"must be {what} finite number of days. Got {value!r} instead.")
    return x


def make_msoutcomes_options(*, event: str = "CDW", mconf: float = 3 * 30.25,
                            tRelapse: float = 30, sustained: bool = True,
                            early_stop: bool = True, value_col: str | None = None,
                            days_post_relapse_col: str | None = None,
                            subjects: Iterable[Any] | None = None) -> MSOutcomesOptions:
    """Check the options of the MSoutcomes profile.

    Parameters
    ----------
    event
        ``'CDW'``, ``'CDI'``, ``'CDEseq'`` or ``'PIRA'`` (MSoutcomes' functions). ``'firstCDW'``,
        ``'firstCDI'`` and ``'firstPIRA'`` (msprog's names) are read as ``'CDW'``, ``'CDI'`` and
        ``'PIRA'``: every event the R function returns.
    mconf
        Confirmation period in days (> 0; default 3 x 30.25 = 90.75).
    tRelapse
        Minimum days from the last relapse to a baseline or confirming EDSS (default 30).
    sustained
        ``CDW``, ``CDI`` and ``PIRA`` keep only events sustained to the last visit (default
        True). ``CDEseq`` has no such option and ignores it.
    early_stop
        ``CDEseq`` only: True (the package) stops at the first crossing that is not confirmed;
        False is the corrected variant that reads on.
    value_col
        Column holding EDSS (default ``'edss'``).
    days_post_relapse_col
        Column with the days since the most recent relapse at each visit (MSoutcomes'
        ``daysPostRelapse``); when None it is derived from the relapse table.
    subjects
        Patients to analyse (default all).

    Returns
    -------
    MSOutcomesOptions

    Raises
    ------
    msrwe.errors.OptionError
        A value the option does not accept.
    """
    ev = _ALIASES.get(event, event)
    if ev not in MSOUTCOMES_EVENTS:
        raise _fail("event", "must be one of {'CDW', 'CDI', 'CDEseq', 'PIRA'}. "
                             f"Got {event!r} instead.")
    for name, flag in (("sustained", sustained), ("early_stop", early_stop)):
        if not isinstance(flag, bool):
            raise _fail(name, f"must be True or False. Got {flag!r} instead.")
    for name, col in (("value_col", value_col), ("days_post_relapse_col", days_post_relapse_col)):
        if col is not None and not isinstance(col, str):
            raise _fail(name, f"must be a column name. Got {col!r} instead.")
    subj = None if subjects is None else tuple(subjects)
    return MSOutcomesOptions(ev, _days("mconf", mconf, True), _days("tRelapse", tRelapse, False),
                             sustained, early_stop, value_col or "edss", days_post_relapse_col,
                             subj)


def _d(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def describe_msoutcomes(o: MSOutcomesOptions) -> str:
    """The methods paragraph of the MSoutcomes profile, naming every parameter in force.

    Examples
    --------
    >>> text = describe_msoutcomes(make_msoutcomes_options(event="CDEseq"))
    >>> text.startswith("Sequential confirmed EDSS worsening and improvement events (CDEseq; "
    ...                 "Sharmin et al., Eur J Neurol 2022) were detected with msrwe's "
    ...                 "MSoutcomes profile")
    True
    >>> "MSoutcomes 0.2.1" in text and "mconf = 90.75 days" in text
    True
    """
    what = {
        "CDW": ("Confirmed EDSS worsening events (CDW; Kalincik et al., Brain 2015)", "CDW"),
        "CDI": ("Confirmed EDSS improvement events (CDI; Kalincik et al., Brain 2015)", "CDI"),
        "CDEseq": ("Sequential confirmed EDSS worsening and improvement events (CDEseq; Sharmin "
                   "et al., Eur J Neurol 2022)", "CDEseq"),
        "PIRA": ("Progression independent of relapse activity events (PIRA; Dzau et al., "
                 "J Neurol Neurosurg Psychiatry 2023)", "PIRA"),
    }[o.event]
    s = [f"{what[0]} were detected with msrwe's MSoutcomes profile, which reproduces the R "
         f"package {MSOUTCOMES_VERSION} (CORe, University of Melbourne; function {what[1]}), "
         f"with mconf = {_d(o.mconf)} days, tRelapse = {_d(o.tRelapse)} days"]
    if o.event != "CDEseq":
        s[0] += f" and sustained = {'TRUE' if o.sustained else 'FALSE'}"
    s[0] += "."
    s.append(f"The baseline was the first EDSS more than {_d(o.tRelapse)} days after the most "
             "recent relapse; worsening required +1.5 from a baseline of 0, +1.0 from 1.0-5.5 "
             "and +0.5 from 6.0 upwards; improvement required -1.5 from baselines up to 1.5, "
             "-1.0 up to 6.0 and -0.5 above.")
    conf = (f"A change was confirmed when every visit for at least {_d(o.mconf)} days after its "
            "onset kept it")
    if o.event in ("CDW", "PIRA", "CDEseq"):
        conf += (f", the confirming visit for worsening lying more than {_d(o.tRelapse)} days "
                 "after a relapse")
    s.append(conf + ".")
    if o.sustained and o.event != "CDEseq":
        s.append("Only changes sustained to the last recorded visit were retained.")
    s.append("After each event the baseline was reset to the lowest EDSS within the confirmation "
             "period.")
    if o.event == "PIRA":
        s.append("A worsening preceded by a relapse since the start of the current baseline "
                 "window was not counted; the baseline was instead reset to the first EDSS more "
                 f"than {_d(o.tRelapse)} days after that relapse.")
    if o.event == "CDEseq":
        s.append("The search for a patient stopped at the first change that was not confirmed, "
                 "as in the package." if o.early_stop else
                 "Unlike the package, the search went on after a change that was not confirmed "
                 "(early_stop = FALSE).")
    rel = ("taken from the recorded days since the last relapse" if o.days_post_relapse_col
           else "derived from the relapse onset dates")
    s.append(f"Days since the most recent relapse were {rel}.")
    return " ".join(s)
