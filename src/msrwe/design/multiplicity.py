"""Multiple endpoints: fixed-sequence and Holm rejections, per simulated trial (vectorised).

``p`` is a (trials x endpoints) array of two-sided p values, endpoints in the design's order.

* ``"none"``: each endpoint tested at ``alpha`` on its own.
* ``"fixed_sequence"``: endpoints tested in order at ``alpha``; testing stops at the first
  endpoint not rejected.
* ``"holm"``: Holm's step-down: the k-th smallest p value is compared with ``alpha / (m - k)``
  (k from 0), stopping at the first that fails.

Both keep the familywise error at ``alpha``.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.01, 0.20, 0.03], [0.30, 0.01, 0.01], [0.01, 0.02, 0.04]])
>>> reject(p, 0.05, "fixed_sequence").astype(int).tolist()
[[1, 0, 0], [0, 0, 0], [1, 1, 1]]
>>> reject(p, 0.05, "holm").astype(int).tolist()
[[1, 0, 0], [0, 1, 1], [1, 1, 1]]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from msrwe.errors import OptionError

__all__ = ["METHODS", "reject"]

#: The accepted rules.
METHODS: tuple[str, ...] = ("none", "fixed_sequence", "holm")


def reject(p: npt.NDArray[np.float64], alpha: float, method: str) -> npt.NDArray[np.bool_]:
    """Which hypotheses each trial rejects under ``method`` (same shape as ``p``)."""
    p = np.atleast_2d(np.asarray(p, dtype=np.float64))
    p = np.where(np.isnan(p), 1.0, p)
    if method == "none":
        return p <= alpha
    if method == "fixed_sequence":
        return np.cumprod(p <= alpha, axis=1).astype(bool)
    if method == "holm":
        m = p.shape[1]
        order = np.argsort(p, axis=1, kind="stable")
        ps = np.take_along_axis(p, order, axis=1)
        ok = np.cumprod(ps <= alpha / (m - np.arange(m))[None, :], axis=1).astype(bool)
        out = np.zeros_like(ok)
        np.put_along_axis(out, order, ok, axis=1)
        return out
    raise OptionError(f"The 'multiplicity' must be one of {{{', '.join(map(repr, METHODS))}}}. "
                      f"Got {method!r} instead.")
