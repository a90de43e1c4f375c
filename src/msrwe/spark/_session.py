"""Import PySpark on demand, with an install hint when the extra is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from msrwe.errors import MissingExtraError

__all__ = ["require_pyspark"]


def require_pyspark(module: str = "pyspark.sql") -> ModuleType:
    """Return a PySpark module, or raise :class:`~msrwe.errors.MissingExtraError` with the fix."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingExtraError(
            "msrwe.spark needs PySpark, an optional part of msrwe: install it with "
            "pip install 'msrwe[spark]' (and a Java runtime, 17 or newer)."
        ) from exc
