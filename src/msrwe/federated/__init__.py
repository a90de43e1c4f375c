"""Federated analysis: site packages of non-disclosive results and their pooling.

``msrwe analyze --aggregate-only --out DIR`` writes a site package
(:func:`write_package`); ``msrwe pool SITE_DIR... --out DIR`` combines them (:func:`pool_sites`,
:func:`write_pooled`), with :func:`meta_analysis` for estimates that cannot be pooled exactly.
See ``docs/federated.md``.
"""

from msrwe.federated.meta import METHODS, MetaResult, meta_analysis
from msrwe.federated.package import read_package, write_package
from msrwe.federated.pool import PooledResult, pool_sites, pooled_km, write_pooled

__all__ = [
    "METHODS",
    "MetaResult",
    "PooledResult",
    "meta_analysis",
    "pool_sites",
    "pooled_km",
    "read_package",
    "write_package",
    "write_pooled",
]
