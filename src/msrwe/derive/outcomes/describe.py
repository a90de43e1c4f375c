"""The methods paragraph: every definition in force, in words, with its source."""

from __future__ import annotations

from msrwe.derive.outcomes.options import OutcomeOptions
from msrwe.derive.outcomes.thresholds import ThresholdPolicy

__all__ = ["describe_options"]

_OUTCOME = {"edss": "EDSS", "sdmt": "SDMT", "t25fw": "timed 25-foot walk",
            "nhpt": "9-hole peg test", "custom": "outcome"}


def _d(x: float) -> str:
    if x == float("inf"):
        return "unlimited"
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


def describe_options(o: OutcomeOptions) -> str:
    """Write the methods paragraph for a set of options.

    Parameters
    ----------
    o
        Validated options.

    Returns
    -------
    str

    Examples
    --------
    >>> from msrwe.derive.outcomes.options import make_options
    >>> text = describe_options(make_options())
    >>> text.startswith("Confirmed EDSS worsening (CDW) was detected with msrwe")
    True
    >>> "84 days (a visit from 77 days after onset, up to 814.5 days)" in text
    True
    """
    name = _OUTCOME[o.outcome]
    what = {"firstCDW": "the first confirmed worsening (CDW)",
            "firstCDI": "the first confirmed improvement (CDI)",
            "first": "the first confirmed event (worsening or improvement)",
            "firstPIRA": "the first progression independent of relapse activity (PIRA)",
            "firstRAW": "the first relapse-associated worsening (RAW)",
            "multiple": "all confirmed worsening (CDW) and improvement (CDI) events"}[o.event]
    s: list[str] = []
    head = {"firstCDW": f"Confirmed {name} worsening (CDW)",
            "firstCDI": f"Confirmed {name} improvement (CDI)"}.get(
        o.event, f"Confirmed {name} events")
    verb = "were" if head.endswith("events") else "was"
    s.append(f"{head} {verb} detected with msrwe, which reproduces msprog (Montobbio et al., "
             f"Mult Scler 2024), scanning each patient's visits in date order and retaining "
             f"{what}")
    pol = o.delta_fun
    rule = str(pol) if isinstance(pol, ThresholdPolicy) else (
        f"a user-defined function ({getattr(pol, '__name__', 'custom')})")
    direction = "an increase" if o.worsening == "increase" else "a decrease"
    s.append(f"Worsening was {direction} and improvement the opposite change, of at least the "
             f"minimal clinically meaningful change from the reference value ({rule})")
    if o.valuedelta_col:
        s.append(f"The threshold was set by the value of column '{o.valuedelta_col}' at the "
                 f"reference visit")
    s.append("Assessments with a missing value were dropped, and of two assessments on one date "
             "the last recorded was used")
    wins = []
    for c, (lo, hi) in zip(o.conf_days, o.conf_tol_days, strict=True):
        up = "with no upper limit" if hi == float("inf") else f"up to {_d(c + hi)} days"
        wins.append(f"{_d(c)} days (a visit from {_d(int(c) - lo)} days after onset, {up})")
    s.append("Changes were confirmed at " + "; or ".join(wins)
             + (", with every visit between onset and confirmation also meeting the threshold"
                if o.check_intermediate else ", at the confirmation visit only")
             + (f", at visits flagged in column '{o.validconf_col}'" if o.validconf_col else ""))
    if o.require_sust_days:
        s.append("Events had to be sustained "
                 + ("until the last visit" if o.require_sust_days == float("inf")
                    else f"for at least {_d(o.require_sust_days)} days (or to the last visit)"))
    bl = {"fixed": "a fixed baseline (the first eligible visit)",
          "roving": "a roving baseline, reset after each confirmed event",
          "roving_impr": "a baseline reset after each confirmed improvement",
          "roving_wors": "a baseline reset after each confirmed worsening"}[o.baseline]
    s.append(f"Changes were measured from {bl}"
             + ("" if o.baseline == "fixed" else
                " to the " + ("first confirmation visit" if o.proceed_from == "firstconf"
                              else "event onset visit"))
             + ({"none": "", "event": "; confirmed changes below the threshold also reset it",
                 "improvement": "; confirmed improvements below the threshold also reset it",
                 "worsening": "; confirmed worsenings below the threshold also reset it"}[
                 o.sub_threshold_rebl] if o.baseline != "fixed" else "")
             + ("; the baseline was also reset after every relapse" if o.relapse_rebl else "")
             + (" and never lowered (Kappos et al., JAMA Neurol 2020)" if o.bl_geq else "")
             + ({"none": "", "strict": "; strict local extrema were not used as baselines",
                 "all": "; local extrema were not used as baselines"}[o.skip_local_extrema])
             + "; the search resumed after the "
             + ("first confirmation" if o.proceed_from == "firstconf" else "onset") + " visit")

    def rel(pair: tuple[float, float], what: str) -> str:
        a, b = pair
        if a == 0 and b == 0:
            return ""
        parts = [f"within {_d(a)} days after a relapse" if a else "",
                 f"within {_d(b)} days before one" if b else ""]
        return f"{what} " + " or ".join(p for p in parts if p)

    rules = [r for r in (rel(o.relapse_to_bl, "Baseline visits could not lie"),
                         rel(o.relapse_to_event, "event onsets could not lie"),
                         rel(o.relapse_to_conf, "confirmation visits could not lie")) if r]
    if rules:
        s.append("; ".join(rules))
    if o.rawpira:
        a, b = o.relapse_assoc
        s.append(f"A worsening with onset within {_d(a)} days after"
                 + (f" or {_d(b)} days before" if b else "")
                 + f" a relapse onset was classified as relapse-associated (RAW); otherwise it "
                   f"was classified as PIRA when there was {o.relapse_indep} (for at least one "
                   f"confirmation visit), and as undefined otherwise")
    imp = o.impute_last_visit
    if imp:
        s.append("An unconfirmed worsening at the last visit was counted as an event "
                 + ("always" if imp == 1 else (f"with probability {imp:g}" if imp < 1 else
                                               f"when it occurred within {_d(imp)} days of "
                                               f"follow-up")))
    s.append("Event time was the onset visit, counted from the first visit")
    return ". ".join(s) + "."
