"""Names a package re-exports, loaded on first use (PEP 562), so importing it stays quick.

:func:`lazy_module` does the same for a heavy library a module needs only inside its functions
(scipy.stats, pandas): ``msrwe init-study`` or ``msrwe outcomes`` then never pays its import.

Examples
--------
>>> ns = {"__all__": ["sqrt"]}
>>> getattr_, dir_ = lazy_exports("pkg", {"sqrt": "math"}, ns)
>>> getattr_("sqrt")(9.0), "sqrt" in ns
(3.0, True)
>>> lazy_module("math").sqrt(16.0)
4.0
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["LazyModule", "lazy_exports", "lazy_module"]


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


class LazyModule:
    """A stand-in for a module that imports it on the first attribute read.

    Use it as ``stats = lazy_module("scipy.stats")`` where the module is used only inside
    functions (``stats.norm.ppf(...)``); type checkers see the real import under
    ``TYPE_CHECKING``. Importing is thread-safe (Python's import lock); after the first read the
    module is held and every read is a plain ``getattr``.
    """

    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: Any = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            self._module = module
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r}, {state}>"


def lazy_module(name: str) -> Any:
    """A module imported on first use: see :class:`LazyModule`.

    Parameters
    ----------
    name
        The module's full name (``"scipy.stats"``).

    Returns
    -------
    LazyModule
        Typed ``Any`` so that attribute reads type-check as on the module itself.
    """
    return LazyModule(name)
