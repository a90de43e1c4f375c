"""De-identify chart tables before they leave the centre (interop-privacy.md section 5).

What is done to each column follows its ``privacy`` class in the chart contract
(:class:`msrwe.schema.Column`), never a hand-written list:

- ``identifier`` (``patient_id``): replaced by a random pseudonym drawn with :mod:`secrets`, so it
  is not derived from the identifier and cannot be translated back without the key table
  (45 CFR 164.514(c)). The key table (original id, pseudonym, shift) is returned separately and
  must never travel with the export.
- every date: shifted by one random number of days per patient (1 to ``max_shift_days`` days
  back, as REDCap's de-identified export does), which keeps every interval between a patient's
  dates, as confirmation windows need; or, with ``dates="offset"``, replaced by the number of
  days since the patient's first charted date (an integer column of the same name).
- ``birth_date``: reduced to ``birth_year``; for a patient older than 89 at the last charted date
  the year is removed and ``aged_over_89`` is true (HIPAA Safe Harbor's 90+ group).
- ``quasi`` (``site``): kept, or replaced by a random code (``sites="code"``).
- ``free_text`` (adverse-event verbatim terms, reasons for admission): dropped unless asked for.
- columns outside the contract: always dropped.

Shifted dates are still dates: a shifted export is pseudonymised, not anonymous, and its
release is a matter for the centre's governance (interop-privacy.md 5.1).

Examples
--------
>>> import datetime as dt
>>> import polars as pl
>>> patients = pl.DataFrame({"patient_id": ["MRN-1"], "birth_date": [dt.date(1960, 5, 2)],
...                          "mrn_note": ["call wife"]})
>>> visits = pl.DataFrame({"patient_id": ["MRN-1", "MRN-1"],
...                        "date": [dt.date(2020, 1, 1), dt.date(2020, 4, 1)], "edss": [4.0, 4.5]})
>>> out = deidentify({"patients": patients, "visits": visits}, seed=1)
>>> out.tables["patients"].columns
['patient_id', 'birth_year', 'aged_over_89']
>>> d = out.tables["visits"]["date"]
>>> (d[1] - d[0]).days     # the interval is kept
91
>>> out.tables["visits"]["patient_id"][0] != "MRN-1"
True
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import polars as pl

from msrwe.errors import OptionError
from msrwe.schema import CONTRACT

__all__ = ["Deidentified", "deidentify", "pseudonym_key"]

DateMode = Literal["shift", "offset"]
SiteMode = Literal["keep", "code"]


@dataclass(frozen=True)
class Deidentified:
    """The de-identified tables and, separately, the key that links them back.

    Attributes
    ----------
    tables
        Table name -> de-identified table.
    key
        ``patient_id, pseudonym, shift_days`` (or ``anchor_date`` with ``dates="offset"``): keep
        it at the centre, never with the export.
    site_key
        ``site, site_code`` when sites were coded, else None.
    dropped
        ``(table, column, reason)`` for every column left out.
    """

    tables: dict[str, pl.DataFrame]
    key: pl.DataFrame
    site_key: pl.DataFrame | None
    dropped: tuple[tuple[str, str, str], ...]


def _pseudonyms(n: int, rng: random.Random) -> list[str]:
    out: set[str] = set()
    names: list[str] = []
    while len(names) < n:
        name = "S" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTVWXZ") for _ in range(10))
        if name not in out:
            out.add(name)
            names.append(name)
    return names


def pseudonym_key(ids: pl.Series | list[str], *, seed: int | None = None) -> pl.DataFrame:
    """A random pseudonym for each distinct identifier: the key table ``patient_id, pseudonym``.

    The pseudonyms are drawn as :func:`deidentify` draws them (:mod:`secrets`, not derived from
    the identifiers); ``seed`` only for reproducible tests.

    Examples
    --------
    >>> key = pseudonym_key(["MRN-1", "MRN-2", "MRN-1"], seed=1)
    >>> key.height, key["pseudonym"].str.starts_with("S").all()
    (2, True)
    """
    rng: random.Random = random.Random(seed) if seed is not None else secrets.SystemRandom()
    unique = pl.Series("patient_id", ids).cast(pl.String).drop_nulls().unique(maintain_order=True)
    return pl.DataFrame({"patient_id": unique, "pseudonym": _pseudonyms(unique.len(), rng)},
                        schema={"patient_id": pl.String, "pseudonym": pl.String})


def _all_ids(tables: Mapping[str, pl.DataFrame]) -> pl.Series:
    ids = [t["patient_id"].cast(pl.String) for t in tables.values() if "patient_id" in t.columns]
    if not ids:
        return pl.Series("patient_id", [], dtype=pl.String)
    return pl.concat(ids).drop_nulls().unique(maintain_order=True)


def _date_bounds(tables: Mapping[str, pl.DataFrame]) -> pl.DataFrame:
    """Each patient's first and last charted date (birth dates aside), over every table."""
    parts = []
    for name, t in tables.items():
        if "patient_id" not in t.columns:
            continue
        for col in CONTRACT[name].columns:
            if col.dtype == "date" and col.privacy is None and col.name in t.columns:
                parts.append(t.select(pl.col("patient_id").cast(pl.String),
                                      pl.col(col.name).cast(pl.Date).alias("d")))
    if not parts:
        return pl.DataFrame(schema={"patient_id": pl.String, "anchor_date": pl.Date,
                                    "last_date": pl.Date})
    return pl.concat(parts).drop_nulls().group_by("patient_id").agg(
        pl.col("d").min().alias("anchor_date"), pl.col("d").max().alias("last_date"))


def deidentify(
    tables: Mapping[str, pl.DataFrame],
    *,
    dates: DateMode = "shift",
    max_shift_days: int = 364,
    sites: SiteMode = "keep",
    keep_free_text: bool = False,
    seed: int | None = None,
) -> Deidentified:
    """De-identify chart tables (see the module docstring for what is done to each column).

    Parameters
    ----------
    tables
        Chart tables by contract name (``patients``, ``visits``, ...). Tables that are not in the
        contract are refused.
    dates
        ``"shift"`` (every date of a patient moved back by the same random 1 to
        ``max_shift_days`` days) or ``"offset"`` (days since the patient's first charted date).
    max_shift_days
        The largest shift, 1 to 3650 (default 364, as REDCap).
    sites
        ``"keep"`` the site names or ``"code"`` them as ``site_1``, ``site_2``, ... in random
        order.
    keep_free_text
        Keep the contract's free-text columns (verbatim adverse-event terms, reasons for
        admission); they may name people, so the default drops them.
    seed
        Only for reproducible tests and examples: pseudonyms and shifts then come from a seeded
        generator instead of :mod:`secrets`. Never set it for a real export.

    Returns
    -------
    Deidentified
    """
    if dates not in ("shift", "offset"):
        raise OptionError(f"The 'dates' option must be 'shift' or 'offset'. Got {dates!r} "
                          "instead.", option="dates")
    if sites not in ("keep", "code"):
        raise OptionError(f"The 'sites' option must be 'keep' or 'code'. Got {sites!r} instead.",
                          option="sites")
    if not isinstance(max_shift_days, int) or not 1 <= max_shift_days <= 3650:
        raise OptionError("The 'max_shift_days' option must be a whole number of days from 1 to "
                          f"3650. Got {max_shift_days!r} instead.", option="max_shift_days")
    unknown = sorted(set(tables) - set(CONTRACT.names))
    if unknown:
        raise OptionError(f"Only chart tables can be de-identified; {unknown} are not in the "
                          "chart contract.", option="tables")
    rng: random.Random = random.Random(seed) if seed is not None else secrets.SystemRandom()
    ids = _all_ids(tables)
    bounds = _date_bounds(tables)
    key = pl.DataFrame({
        "patient_id": ids,
        "pseudonym": _pseudonyms(ids.len(), rng),
        "shift_days": [rng.randint(1, max_shift_days) for _ in range(ids.len())],
    }, schema={"patient_id": pl.String, "pseudonym": pl.String, "shift_days": pl.Int64})
    if dates == "offset":
        key = key.drop("shift_days").join(bounds.select("patient_id", "anchor_date"),
                                          on="patient_id", how="left")
    site_key = None
    if sites == "code" and "patients" in tables and "site" in tables["patients"].columns:
        names = tables["patients"]["site"].drop_nulls().unique().to_list()
        rng.shuffle(names)
        site_key = pl.DataFrame({"site": names,
                                 "site_code": [f"site_{i + 1}" for i in range(len(names))]},
                                schema={"site": pl.String, "site_code": pl.String})
    last = bounds.select("patient_id", "last_date")
    dropped: list[tuple[str, str, str]] = []
    out: dict[str, pl.DataFrame] = {}
    for name, table in tables.items():
        spec = CONTRACT[name]
        known = {c.name: c for c in spec.columns}
        t = table
        for col in t.columns:
            if col not in known:
                dropped.append((name, col, "not a chart-contract column"))
        t = t.select([c for c in t.columns if c in known])
        if "patient_id" in t.columns:
            t = t.with_columns(pl.col("patient_id").cast(pl.String)).join(
                key, on="patient_id", how="left", maintain_order="left")
        new_cols: list[pl.Expr] = []
        for col in (c for c in spec.columns if c.name in table.columns):
            expr: pl.Expr | None
            if col.privacy == "identifier":
                expr = pl.col("pseudonym").alias(col.name)
            elif col.privacy == "birth_date":
                t = t.join(last, on="patient_id", how="left", maintain_order="left")
                born = pl.col(col.name).cast(pl.Date)
                age = (pl.col("last_date") - born).dt.total_days() / 365.25
                over = (age > 89).fill_null(False)
                new_cols.append(pl.when(over).then(None)
                                .otherwise(pl.col(col.name).cast(pl.Date).dt.year())
                                .cast(pl.Int32).alias("birth_year"))
                new_cols.append(over.alias("aged_over_89"))
                dropped.append((name, col.name, "birth date reduced to the year (90+ grouped)"))
                continue
            elif col.privacy == "free_text" and not keep_free_text:
                dropped.append((name, col.name, "free text (may name people)"))
                continue
            elif col.privacy == "quasi" and col.name == "site" and site_key is not None:
                t = t.join(site_key, on="site", how="left", maintain_order="left")
                expr = pl.col("site_code").alias("site")
            elif col.dtype == "date":
                d = pl.col(col.name).cast(pl.Date)
                if dates == "shift":
                    expr = (d - pl.duration(days=pl.col("shift_days"))).alias(col.name)
                else:
                    expr = (d - pl.col("anchor_date")).dt.total_days().cast(pl.Int32).alias(
                        col.name)
            else:
                expr = pl.col(col.name)
            new_cols.append(expr)
        out[name] = t.select(new_cols)
    return Deidentified(out, key, site_key, tuple(dropped))
