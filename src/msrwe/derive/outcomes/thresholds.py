"""Minimal clinically meaningful change: named, printable threshold policies.

A threshold policy maps a reference (baseline) score to the smallest change that counts as real
worsening or improvement. The same policy is used in both directions, as in msprog. Policies are
values, not code paths: they print their rule, so the methods paragraph of a result can state it.

The families disagree at an EDSS baseline of 5.5 (clinical-methods.md section 1.4): msprog asks for
+0.5 there, the Roche trials and Lorscheider's SPMS definition for +1.0.

Examples
--------
>>> from msrwe.derive.outcomes.thresholds import get_policy
>>> p = get_policy("msprog", "edss")
>>> [p(b) for b in (0.0, 1.0, 5.0, 5.5, 6.0)]
[1.5, 1.0, 1.0, 0.5, 0.5]
>>> get_policy("trial", "edss")(5.5)
1.0
>>> print(get_policy("msprog", "sdmt"))
sdmt_msprog: the smaller of 4 points and 20% of the reference value
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from msrwe.errors import OptionError

__all__ = [
    "EDSS_LORSCHEIDER",
    "EDSS_MSPROG",
    "EDSS_TRIAL",
    "PCT20",
    "POLICIES",
    "SDMT_4_OR_10PCT",
    "SDMT_MSPROG",
    "ThresholdPolicy",
    "get_policy",
    "kernel_code",
]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ThresholdPolicy:
    """A named rule giving the minimal meaningful change from a reference score.

    Parameters
    ----------
    name
        Short identifier, accepted as ``delta_fun=`` by :func:`detect_events`.
    rule
        The rule in words, as printed in a methods paragraph.
    source
        Where the rule comes from.
    func
        Vectorised function: array of reference values -> array of minimal changes.

    Examples
    --------
    >>> import numpy as np
    >>> EDSS_TRIAL(np.array([4.0, 5.5, 6.0])).tolist()
    [1.0, 1.0, 0.5]
    """

    name: str
    rule: str
    source: str
    func: Callable[[FloatArray], FloatArray] = field(repr=False, compare=False)

    @overload
    def __call__(self, baseline: float) -> float: ...
    @overload
    def __call__(self, baseline: FloatArray) -> FloatArray: ...

    def __call__(self, baseline: Any) -> Any:
        """Minimal meaningful change for one reference value or an array of them."""
        if np.ndim(baseline) == 0:
            return float(self.func(np.asarray([baseline], dtype=np.float64))[0])
        return self.func(np.asarray(baseline, dtype=np.float64))

    def __str__(self) -> str:
        return f"{self.name}: {self.rule}"


def _edss_msprog(b: FloatArray) -> FloatArray:
    return np.where(b == 0, 1.5, np.where(b <= 5.0, 1.0, 0.5))


def _edss_trial(b: FloatArray) -> FloatArray:
    return np.where(b <= 5.5, 1.0, 0.5)


def _edss_lorscheider(b: FloatArray) -> FloatArray:
    return np.where(b == 0, 1.5, np.where(b <= 5.5, 1.0, 0.5))


def _pct20(b: FloatArray) -> FloatArray:
    return b / 5


def _sdmt_msprog(b: FloatArray) -> FloatArray:
    return np.minimum(b / 5, 4.0)


def _sdmt_4_or_10(b: FloatArray) -> FloatArray:
    return np.minimum(b * 0.1, 4.0)


EDSS_MSPROG = ThresholdPolicy(
    "msprog",
    "+1.5 from a reference of 0, +1.0 from 1.0-5.0, +0.5 from 5.5 upwards",
    "msprog compute_delta() (Montobbio et al., Mult Scler 2024); clinical-methods.md 1.4",
    _edss_msprog,
)
EDSS_TRIAL = ThresholdPolicy(
    "trial",
    "+1.0 from a reference up to 5.5, +0.5 above 5.5",
    "ORATORIO/OLYMPUS trial definition; clinical-methods.md 1.4",
    _edss_trial,
)
EDSS_LORSCHEIDER = ThresholdPolicy(
    "lorscheider",
    "+1.5 from a reference of 0, +1.0 from 1.0-5.5, +0.5 above 5.5",
    "Lorscheider et al. SPMS definition; clinical-methods.md 1.4",
    _edss_lorscheider,
)
PCT20 = ThresholdPolicy(
    "pct20",
    "20% of the reference value",
    "Schwid et al., Neurology 2002; msprog default for T25FW and NHPT; clinical-methods.md 4.1",
    _pct20,
)
SDMT_MSPROG = ThresholdPolicy(
    "sdmt_msprog",
    "the smaller of 4 points and 20% of the reference value",
    "msprog compute_delta() for SDMT; clinical-methods.md 4.1",
    _sdmt_msprog,
)
SDMT_4_OR_10PCT = ThresholdPolicy(
    "sdmt_4_or_10pct",
    "4 points or 10% of the reference value, whichever is smaller",
    "Benedict et al. 2017 (as commonly cited); clinical-methods.md 4.1",
    _sdmt_4_or_10,
)

#: Every named policy, by name. ``"msprog"`` resolves per outcome (see :func:`get_policy`).
POLICIES: dict[str, ThresholdPolicy] = {
    p.name: p
    for p in (EDSS_MSPROG, EDSS_TRIAL, EDSS_LORSCHEIDER, PCT20, SDMT_MSPROG, SDMT_4_OR_10PCT)
}

_FOR_OUTCOME: dict[str, tuple[str, ...]] = {
    "edss": ("msprog", "trial", "lorscheider"),
    "sdmt": ("sdmt_msprog", "sdmt_4_or_10pct", "pct20"),
    "t25fw": ("pct20",),
    "nhpt": ("pct20",),
    "custom": tuple(POLICIES),
}
_MSPROG_DEFAULT = {"edss": EDSS_MSPROG, "sdmt": SDMT_MSPROG, "t25fw": PCT20, "nhpt": PCT20}


def get_policy(name: str, outcome: str = "edss") -> ThresholdPolicy:
    """Look up a named threshold policy for an outcome.

    Parameters
    ----------
    name
        ``"msprog"`` (msprog's own default for the outcome: the EDSS steps, 20% for T25FW and NHPT,
        the smaller of 4 points and 20% for SDMT), ``"trial"``, ``"lorscheider"``, ``"pct20"``,
        ``"sdmt_msprog"`` or ``"sdmt_4_or_10pct"``.
    outcome
        The outcome the policy is used for; policies that make no sense for it are refused.

    Returns
    -------
    ThresholdPolicy

    Examples
    --------
    >>> get_policy("msprog", "t25fw")(10.0)
    2.0
    >>> get_policy("sdmt_4_or_10pct", "sdmt")(50.0)
    4.0
    """
    if name == "msprog" and outcome in _MSPROG_DEFAULT:
        return _MSPROG_DEFAULT[outcome]
    allowed = _FOR_OUTCOME.get(outcome, tuple(POLICIES))
    if outcome != "edss" and outcome in _MSPROG_DEFAULT:
        allowed = ("msprog", *allowed)
    if name not in allowed:
        rule = (
            f"must be one of {{{', '.join(repr(a) for a in allowed)}}} or a function for "
            f"outcome={outcome!r}. Got {name!r} instead."
        )
        raise OptionError(
            f"The 'delta_fun' parameter of detect_events {rule}", option="delta_fun", rule=rule
        )
    return POLICIES[name]


#: Policies the compiled scan evaluates itself from the reference value (no per-visit array);
#: the codes are those of ``_threshold`` in :mod:`msrwe.derive.outcomes._kernel_parts`.
_KERNEL_CODES: dict[Callable[[FloatArray], FloatArray], int] = {
    _edss_msprog: 0,
    _edss_trial: 1,
    _edss_lorscheider: 2,
    _pct20: 3,
    _sdmt_msprog: 4,
    _sdmt_4_or_10: 5,
}


def kernel_code(policy: Any) -> int:
    """The code under which the compiled scan computes ``policy`` itself, or -1.

    A named policy of this module is computed inside the scan from each reference value (the
    same arithmetic as its numpy rule); any other policy (a function, a wrapped policy) is
    evaluated beforehand into one threshold per visit.

    Examples
    --------
    >>> kernel_code(get_policy("msprog", "edss")), kernel_code(lambda b: 1.0)
    (0, -1)
    """
    if isinstance(policy, ThresholdPolicy):
        return _KERNEL_CODES.get(policy.func, -1)
    return -1
