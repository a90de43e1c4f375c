"""Write a study's settings as TOML text that reads back to the same values.

The values of a study file are few kinds (text, whole and decimal numbers, true/false, dates and
lists of those); ``None`` means "not set" and is left out, so the default applies when read back.

Examples
--------
>>> print(to_toml_text({"cohort": {"drug": "methotrexate", "route": None,
...                                "phenotypes": ["SPMS", "PPMS"]}}))
[cohort]
drug = "methotrexate"
phenotypes = ["SPMS", "PPMS"]
<BLANKLINE>
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

__all__ = ["to_toml_text"]


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)  # TOML basic strings escape as JSON does
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as a TOML value")


def _key(k: str) -> str:
    return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k)


def _table(name: str, table: Mapping[str, Any], lines: list[str]) -> None:
    plain = [(k, v) for k, v in table.items() if not isinstance(v, Mapping) and v is not None]
    subs = [(k, v) for k, v in table.items() if isinstance(v, Mapping)]
    if plain or not subs:
        lines.append(f"[{name}]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in plain)
        lines.append("")
    for k, v in subs:
        _table(f"{name}.{_key(k)}", v, lines)


def to_toml_text(data: Mapping[str, Mapping[str, Any]]) -> str:
    """TOML text of ``{section: {key: value}}`` (nested tables become ``[a.b]``)."""
    lines: list[str] = []
    for name, table in data.items():
        _table(_key(name), table, lines)
    return "\n".join(lines)
