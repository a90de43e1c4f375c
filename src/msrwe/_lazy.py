"""Names a package re-exports, loaded on first use (PEP 562), so importing it stays quick.

Examples
--------
>>> ns = {"__all__": ["sqrt"]}
>>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"}, ns)
>>> getattr_("sqrt")(9.0), "sqrt" in ns
(3.0, True)
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    names: Mapping[str, str],
    namespace: dict[str, Any],
    *,
    submodules: bool = False,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The module ``__getattr__`` and ``__dir__`` of a package whose names load on first use.

    Parameters
    ----------
    package
        The package's ``__name__``.
    names
        Public name -> module that defines it.
    namespace
        The package's ``globals()``: a loaded name is stored there, so it is looked up once.
    submodules
        Also give the package's submodules as attributes (``package.<module>``).

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)`` to assign in the package.
    """

    def module_getattr(name: str) -> Any:
        module = names.get(name)
        if module is None:
            if submodules:
                try:  # a submodule used as an attribute
                    return importlib.import_module(f"{package}.{name}")
                except ModuleNotFoundError as exc:
                    if exc.name != f"{package}.{name}":
                        raise  # the submodule exists but needs something missing: say so
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def module_dir() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return module_getattr, module_dir
