"""Column headings for the stats of the results table, in words a reader of the report knows.

The results table names its stats in snake case (``events_pct``, ``median_ci_low``,
``n_above_uln``); a generic report table must not show those names. :func:`stat_label`
turns any of them into a heading: a fixed word for the common ones (:data:`STAT_LABELS`),
and otherwise rules on the name's parts (``_pct`` is a percentage, ``_ci_low``/``_ci_high``
the bounds of a 95% CI, ``n_`` a count, abbreviations such as ARR, EAIR, HR and ULN in
capitals; see ``../shared/reference/clinical-methods.md`` and ``endpoints.md`` for the terms).
"""

from __future__ import annotations

import re

__all__ = ["STAT_LABELS", "stat_label"]

#: Column headings of common stats in generic tables.
STAT_LABELS: dict[str, str] = {
    "n": "n", "N": "N", "n_obs": "Assessments", "events": "Events", "median": "Median",
    "mean": "Mean", "sd": "SD", "q1": "Q1", "q3": "Q3", "min": "Min", "max": "Max",
    "total": "Total", "slope": "Slope", "ci_low": "95% CI, low", "ci_high": "95% CI, high",
    "pct": "%", "p_value": "p", "person_years": "Patient-years",
    "exposure_years": "Exposure (years)",
    "ph_p_value": "Proportional hazards p", "per_100": "Per 100 patient-years",
    "survival": "Survival", "n_at_risk": "At risk", "hr": "HR", "arr": "ARR",
    "rate_ratio": "Rate ratio", "statistic": "Statistic", "years": "Years",
    "median_days": "Median (days)", "q1_days": "Q1 (days)", "q3_days": "Q3 (days)",
    "window_low": "Window from (days)", "window_high": "Window to (days)",
}

#: Parts of a stat name written as an abbreviation or a word of their own.
_WORDS: dict[str, str] = {
    "arr": "ARR", "eair": "EAIR", "eaer": "EAER", "hr": "HR", "uln": "ULN", "neda": "NEDA",
    "eda": "EDA", "ci": "CI", "sd": "SD", "q1": "Q1", "q3": "Q3", "pct": "%", "z": "z",
    "ph": "proportional hazards", "edss": "EDSS", "pira": "PIRA", "raw": "RAW", "sdmt": "SDMT",
    "mri": "MRI", "snfl": "sNfL", "gfap": "GFAP", "t2": "T2", "gd": "Gd", "cum": "cumulative",
}


def _words(name: str) -> str:
    text = re.sub(r"(\d+)_(\d+)", r"\1–\2", name)  # n_2_7: 2–7
    text = re.sub(r"(\d+)_plus\b", r"\1+", text)  # n_31_plus: 31+
    return " ".join(_WORDS.get(w, w) for w in text.split("_"))


def _capital(text: str) -> str:
    first = text[:1]
    return text if not first.islower() else first.upper() + text[1:]


def stat_label(stat: str) -> str:
    """A column heading for ``stat``.

    Parameters
    ----------
    stat
        A stat name of the results table.

    Returns
    -------
    str
        The heading: the word of :data:`STAT_LABELS`, or one built from the name's parts.

    Examples
    --------
    >>> [stat_label(s) for s in ("events_pct", "median_ci_low", "eair_ci_high", "n_above_uln")]
    ['Events (%)', 'Median, 95% CI low', 'EAIR, 95% CI high', 'n above ULN']
    >>> [stat_label(s) for s in ("pct_in_window", "n_2_7", "n_31_plus", "baseline_q1")]
    ['% in window', 'n 2–7', 'n 31+', 'Baseline Q1']
    """
    if stat in STAT_LABELS:
        return STAT_LABELS[stat]
    for suffix, words in (("_ci_low", "95% CI low"), ("_ci_high", "95% CI high")):
        if stat.endswith(suffix):
            return f"{stat_label(stat[: -len(suffix)])}, {words}"
    if stat.endswith("_pct"):
        return f"{stat_label(stat[: -len('_pct')])} (%)"
    if stat.startswith("pct_"):
        return f"% {_words(stat[len('pct_'):])}"
    if stat.startswith("n_"):
        return f"n {_words(stat[len('n_'):])}"
    return _capital(_words(stat))
