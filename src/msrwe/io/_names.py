"""Which chart table a file or sheet name stands for.

Examples
--------
>>> table_of_name("Relapse"), table_of_name("adverse-events"), table_of_name("notes")
('relapses', 'adverse_events', None)
"""

from __future__ import annotations

import re

from msrwe.schema import CONTRACT

__all__ = ["name_key", "table_of_name"]


def name_key(name: str) -> str:
    """A name in lower case with "-" and spaces as "_"."""
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def table_of_name(name: str) -> str | None:
    """The table a name stands for, up to case, "-"/spaces for "_", and a plural "s"."""
    key = name_key(name)
    for candidate in (key, f"{key}s", key[:-1] if key.endswith("s") else key):
        if candidate in CONTRACT:
            return candidate
    return None
