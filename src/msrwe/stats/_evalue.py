"""E-values for unmeasured confounding (VanderWeele and Ding, Ann Intern Med 2017;167:268).

The E-value is the minimum strength of association, on the risk-ratio scale, that an unmeasured
confounder would need with both the treatment and the outcome to explain away an observed
risk ratio: ``E = RR + sqrt(RR (RR - 1))`` for ``RR >= 1`` (for ``RR < 1`` take ``1 / RR``
first). For the confidence interval the limit closer to 1 is used; when the interval contains 1
its E-value is 1. For a common outcome (more than 15% with the event by the end of follow-up,
as confirmed disability worsening in progressive MS) a hazard ratio is first converted with
``RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))`` and an odds ratio with ``RR = sqrt(OR)``; a
rare outcome's HR or OR is used as an RR (R package EValue, ``evalues.HR``/``evalues.OR``;
``../shared/reference/comparative-effectiveness.md`` section 2.3).
"""

from __future__ import annotations

import math
from typing import Literal

from msrwe.errors import OptionError
from msrwe.stats._checks import check_option

__all__ = ["e_value"]


def _to_rr(value: float, measure: str, rare: bool) -> float:
    if rare or measure == "rr":
        return value
    if measure == "hr":
        return (1 - 0.5 ** math.sqrt(value)) / (1 - 0.5 ** math.sqrt(1 / value))
    return math.sqrt(value)


def _e(rr: float) -> float:
    if rr < 1:
        rr = 1 / rr
    return rr + math.sqrt(rr * (rr - 1))


def e_value(
    estimate: float,
    ci_low: float | None = None,
    ci_high: float | None = None,
    *,
    measure: Literal["rr", "hr", "or"] = "rr",
    rare: bool = True,
) -> tuple[float, float | None]:
    """E-value of a ratio estimate and of its confidence limit closer to 1.

    Parameters
    ----------
    estimate
        The risk, hazard or odds ratio (> 0).
    ci_low, ci_high
        Its confidence limits (both or neither).
    measure
        ``"rr"`` (risk or rate ratio), ``"hr"`` (hazard ratio) or ``"or"`` (odds ratio).
    rare
        True when the outcome is rare (< 15% by the end of follow-up): an HR or OR is then used
        as an RR. False converts it first (see the module text).

    Returns
    -------
    tuple of float and float or None
        The E-value of the estimate, and that of the confidence limit closer to 1 (1.0 when the
        interval contains 1; None without limits).

    Raises
    ------
    OptionError
        A ratio <= 0 or not finite, limits that do not bracket the estimate, an unknown measure.

    Examples
    --------
    >>> round(e_value(3.9)[0], 2)  # VanderWeele and Ding's example
    7.26
    >>> ev, ev_ci = e_value(0.70, 0.55, 0.89, measure="hr", rare=False)
    >>> round(ev, 2), round(ev_ci, 2)
    (1.88, 1.39)
    >>> e_value(0.9, 0.7, 1.2)[1]
    1.0
    """
    func = "e_value"
    check_option(measure, "measure", func, ("rr", "hr", "or"))
    if not isinstance(rare, bool):
        raise OptionError(
            f"The 'rare' parameter of {func} must be True or False. Got {rare!r} instead.",
            option="rare",
            rule="True or False",
        )
    values = [estimate] + [v for v in (ci_low, ci_high) if v is not None]
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
            raise OptionError(
                f"The ratio and its limits given to {func} must be finite numbers > 0. "
                f"Got {v!r} instead."
            )
    if (ci_low is None) != (ci_high is None):
        raise OptionError(f"{func}: give both confidence limits or neither.")
    e = _e(_to_rr(float(estimate), measure, rare))
    if ci_low is None or ci_high is None:
        return e, None
    if not ci_low <= estimate <= ci_high:
        raise OptionError(
            f"{func}: the limits ({ci_low}, {ci_high}) must bracket the estimate ({estimate})."
        )
    if ci_low <= 1 <= ci_high:
        return e, 1.0
    near = ci_low if estimate > 1 else ci_high
    return e, _e(_to_rr(float(near), measure, rare))
