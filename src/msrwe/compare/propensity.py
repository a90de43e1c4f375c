"""Propensity score: logistic model, its logit, the preference score and equipoise.

The score is the probability of being in the comparator arm (``treat = 1``) given the baseline
covariates, from a logistic regression (statsmodels ``Logit``, as ``glm(binomial)`` in R and as
MatchIt's default ``distance = "glm"``); with ``penalty > 0`` an L2 (ridge) penalty on the
standardised covariates (never on the intercept), as large-scale PS tools regularise
(OHDSI CohortMethod uses L1; ``../shared/reference/comparative-effectiveness.md`` section 2.2).

The preference score (Walker et al., Comp Eff Res 2013;3:11) removes the arms' sizes from the
score: ``logit(F) = logit(PS) - logit(P)`` with ``P`` the share in the comparator arm; patients
with ``0.3 <= F <= 0.7`` are "in equipoise" (section 2.4; the bounds are marked [M] there, the
convention of Walker et al.).

Bad designs are refused with an :class:`~msrwe.errors.InputError` a clinician can act on: an
arm without patients, a covariate that has one value only or repeats others, a covariate or a
combination that separates the arms perfectly, and scores that do not overlap at all.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

from msrwe.errors import InputError, OptionError

__all__ = [
    "EQUIPOISE",
    "PropensityModel",
    "check_overlap",
    "equipoise_share",
    "fit_propensity",
    "preference_score",
]

EQUIPOISE = (0.3, 0.7)
"""Preference-score bounds of equipoise (Walker et al. 2013)."""


@dataclass(frozen=True)
class PropensityModel:
    """A fitted propensity model.

    Attributes
    ----------
    ps, logit, preference
        Per patient (input order): the score, its logit (MatchIt's ``link = "linear.logit"``)
        and the preference score.
    treat
        The 0/1 arm indicator as given (1 = comparator).
    coefficients
        Term -> coefficient on the covariates' own scale, ``"(intercept)"`` first.
    coef_table
        ``term``, ``coef``, ``se`` (se is NaN for a penalised fit).
    equipoise
        Share of patients with a preference score in [0.3, 0.7].
    penalty
        The L2 penalty used (0 = plain maximum likelihood).
    method
        One sentence for the methods paragraph.
    """

    ps: np.ndarray
    logit: np.ndarray
    preference: np.ndarray
    treat: np.ndarray
    coefficients: dict[str, float]
    coef_table: pl.DataFrame
    equipoise: float
    penalty: float
    method: str

    def table(self) -> pl.DataFrame:
        """One row per patient: ``row``, ``treat``, ``ps``, ``logit_ps``, ``preference``."""
        return pl.DataFrame(
            {
                "row": np.arange(len(self.ps)),
                "treat": self.treat.astype(np.int64),
                "ps": self.ps,
                "logit_ps": self.logit,
                "preference": self.preference,
            }
        )


def _prefix(label: str) -> str:
    return f"{label}: " if label else ""


def preference_score(ps: np.ndarray, treat: np.ndarray) -> np.ndarray:
    """Walker's preference score: the score with the arms' sizes taken out.

    Examples
    --------
    >>> import numpy as np
    >>> ps = np.array([0.25, 0.25, 0.5, 0.75])
    >>> preference_score(ps, np.array([1, 0, 0, 0])).round(3).tolist()
    [0.5, 0.5, 0.75, 0.9]
    """
    ps = np.asarray(ps, dtype=float)
    p = float(np.mean(np.asarray(treat) == 1))
    if not 0 < p < 1:
        raise InputError("preference_score: both arms need patients.")
    lf = np.log(ps / (1 - ps)) - np.log(p / (1 - p))
    return 1 / (1 + np.exp(-lf))


def equipoise_share(preference: np.ndarray, bounds: tuple[float, float] = EQUIPOISE) -> float:
    """Share of patients whose preference score lies within ``bounds`` (inclusive).

    Examples
    --------
    >>> import numpy as np
    >>> equipoise_share(np.array([0.1, 0.3, 0.5, 0.7, 0.9]))
    0.6
    """
    pref = np.asarray(preference, dtype=float)
    if len(pref) == 0:
        return float("nan")
    return float(np.mean((pref >= bounds[0]) & (pref <= bounds[1])))


def check_overlap(ps: np.ndarray, treat: np.ndarray, label: str = "") -> None:
    """Raise :class:`InputError` when the arms' scores do not overlap at all.

    Examples
    --------
    >>> import numpy as np
    >>> check_overlap(np.array([0.2, 0.4, 0.3, 0.6]), np.array([0, 0, 1, 1]))
    >>> check_overlap(np.array([0.1, 0.2, 0.8, 0.9]), np.array([0, 0, 1, 1]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    msrwe.errors.InputError: the propensity scores of the two arms do not overlap at all ...
    """
    ps = np.asarray(ps, dtype=float)
    t = np.asarray(treat) == 1
    s1, s0 = ps[t], ps[~t]
    if len(s1) == 0 or len(s0) == 0:
        raise InputError(f"{_prefix(label)}an arm has no patients.")
    if s1.min() > s0.max() or s0.min() > s1.max():
        raise InputError(
            f"{_prefix(label)}the propensity scores of the two arms do not overlap at all "
            f"(comparator {s1.min():.3f} to {s1.max():.3f}, reference {s0.min():.3f} to "
            f"{s0.max():.3f}): no patient of one arm resembles any patient of the other, so "
            "these arms cannot be compared in these data. Restrict eligibility to patients who "
            "could have received either drug."
        )


def _check_design(x: np.ndarray, t: np.ndarray, names: Sequence[str], label: str) -> None:
    pre = _prefix(label)
    n1, n0 = int(t.sum()), int((1 - t).sum())
    if n1 == 0 or n0 == 0:
        which = "comparator" if n1 == 0 else "reference"
        raise InputError(f"{pre}the {which} arm has no patients; there is nothing to compare.")
    for j, name in enumerate(names):
        v = x[:, j]
        n_bad = int(np.sum(~np.isfinite(v)))
        if n_bad:
            raise InputError(
                f"{pre}covariate '{name}' is missing for {n_bad} patient(s); use complete cases "
                "or a missing-indicator before fitting the propensity model."
            )
        if np.ptp(v) == 0:
            raise InputError(
                f"{pre}covariate '{name}' has the same value ({v[0]:g}) for every patient, so it "
                "cannot enter the propensity model; leave it out."
            )
        v1, v0 = v[t == 1], v[t == 0]
        if v1.max() < v0.min() or v0.max() < v1.min():
            raise InputError(
                f"{pre}covariate '{name}' separates the arms perfectly (comparator "
                f"{v1.min():g} to {v1.max():g}, reference {v0.min():g} to {v0.max():g}): the "
                "drug was chosen by it, so no patient has a counterpart in the other arm. "
                "Restrict eligibility to the range both arms share."
            )
    xc = np.column_stack([np.ones(len(t)), x])
    rank = np.linalg.matrix_rank(xc)
    if rank < xc.shape[1]:
        for j in range(1, xc.shape[1]):
            if np.linalg.matrix_rank(xc[:, : j + 1]) < j + 1:
                raise InputError(
                    f"{pre}covariate '{names[j - 1]}' is a combination of the covariates before "
                    "it (e.g. dummies of every level, or the same measure twice); leave it out."
                )


def fit_propensity(
    x: np.ndarray,
    treat: np.ndarray,
    names: Sequence[str],
    *,
    penalty: float = 0.0,
    label: str = "",
) -> PropensityModel:
    """Fit the logistic propensity model of the comparator arm (1) vs the reference (0).

    Parameters
    ----------
    x
        Covariates at index, one row per patient, one column per name (numbers; dummies for
        categories, without a reference-level column).
    treat
        1 for the comparator arm, 0 for the reference arm.
    names
        The covariates' names, for the messages and the coefficient table.
    penalty
        L2 penalty ``lambda`` on the standardised coefficients: the fit maximises
        ``log-likelihood - lambda / 2 * sum(b_j^2)`` over the coefficients ``b_j`` of the
        covariates scaled to SD 1 (the intercept is not penalised). 0 = maximum likelihood, as
        ``glm``.
    label
        A prefix for error messages (e.g. ``"rituximab vs methotrexate"``).

    Returns
    -------
    PropensityModel

    Raises
    ------
    InputError
        An empty arm, a missing or constant covariate, a covariate that repeats others,
        perfect separation (one covariate or the whole model), no overlap at all.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> age = rng.normal(50, 10, 200)
    >>> treat = (rng.random(200) < 1 / (1 + np.exp(-(age - 50) / 10))).astype(int)
    >>> model = fit_propensity(age[:, None], treat, ["age"])
    >>> round(model.coefficients["age"], 3), 0 < model.equipoise <= 1
    (0.086, True)
    """
    # the modules themselves, not statsmodels.api (which loads time series, graphics, ...)
    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.genmod.families import Binomial
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import PerfectSeparationWarning

    pre = _prefix(label)
    if isinstance(penalty, bool) or not isinstance(penalty, int | float) or not penalty >= 0:
        raise OptionError(
            f"The 'penalty' parameter of fit_propensity must be a number >= 0. Got {penalty!r}.",
            option="penalty",
            rule="a number >= 0",
        )
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x[:, None]
    t = np.asarray(treat)
    if not np.isin(t, (0, 1)).all():
        raise InputError(f"{pre}the arm indicator must be 0 (reference) or 1 (comparator).")
    t = t.astype(float)
    names = list(names)
    if x.shape != (len(t), len(names)):
        raise InputError(
            f"{pre}the covariate table has shape {x.shape}, expected ({len(t)}, {len(names)})."
        )
    _check_design(x, t, names, label)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    z = np.column_stack([np.ones(len(t)), (x - mean) / sd])
    separated = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", PerfectSeparationWarning)
        try:
            if penalty == 0:
                res = Logit(t, z).fit(disp=0, method="newton", maxiter=100)
                bz = np.asarray(res.params, dtype=float)
                cov_z = np.asarray(res.cov_params(), dtype=float)
            else:
                alpha = np.full(z.shape[1], float(penalty) / len(t))
                alpha[0] = 0.0
                res = GLM(t, z, family=Binomial()).fit_regularized(
                    alpha=alpha, L1_wt=0.0, maxiter=500
                )
                bz = np.asarray(res.params, dtype=float)
                cov_z = np.full((z.shape[1], z.shape[1]), np.nan)
        except (PerfectSeparationWarning, np.linalg.LinAlgError, ValueError) as exc:
            separated = "separation" in str(exc).lower() or isinstance(
                exc, PerfectSeparationWarning
            )
            if not separated:
                raise InputError(f"{pre}the propensity model cannot be fitted ({exc}).") from exc
            bz = np.full(z.shape[1], np.nan)
            cov_z = np.full((z.shape[1], z.shape[1]), np.nan)
    lin = z @ bz
    with np.errstate(over="ignore"):
        ps = 1 / (1 + np.exp(-lin))
    if separated or not np.all(np.isfinite(ps)) or np.any((ps < 1e-10) | (ps > 1 - 1e-10)):
        raise InputError(
            f"{pre}the covariates together separate the arms (almost) perfectly: some patients "
            "are certain to get one drug, so they have no counterpart in the other arm. Restrict "
            "eligibility, merge rare categories, or use a penalty (propensity_penalty)."
        )
    check_overlap(ps, t, label)
    # back to the covariates' own scale
    b = np.empty_like(bz)
    b[1:] = bz[1:] / sd
    b[0] = bz[0] - np.sum(bz[1:] * mean / sd)
    jac = np.zeros((len(b), len(b)))
    jac[0, 0] = 1.0
    jac[0, 1:] = -mean / sd
    jac[1:, 1:] = np.diag(1 / sd)
    se = np.sqrt(np.diag(jac @ cov_z @ jac.T))
    terms = ["(intercept)", *names]
    pref = preference_score(ps, t)
    method = (
        "Propensity score from a logistic regression of the arm on "
        + ", ".join(names)
        + (f" with an L2 penalty ({penalty:g}) on the standardised coefficients" if penalty else "")
        + " (statsmodels); preference score after Walker et al. 2013, equipoise 0.3-0.7."
    )
    return PropensityModel(
        ps=ps,
        logit=lin,
        preference=pref,
        treat=t.astype(np.int64),
        coefficients=dict(zip(terms, map(float, b), strict=True)),
        coef_table=pl.DataFrame({"term": terms, "coef": b, "se": se}),
        equipoise=equipoise_share(pref),
        penalty=float(penalty),
        method=method,
    )
