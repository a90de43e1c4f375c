"""The site package of ``msrwe analyze --aggregate-only``: non-disclosive results of one site.

A site package is a folder with

- ``counts.csv``: the additive rows of the results table (patients, events, relapses,
  person-years, exposure-years) of every output that reports a rate, per group and ``overall``;
- ``km.csv``: Kaplan-Meier step tables of every time-to-event parameter of ``adtte``: per
  ``param``, ``group`` (and ``overall``) and distinct time, the events and censorings at that time
  (no patient identifier, no date);
- ``estimates.csv``: model estimates with their 95% interval (mixed-model EDSS slope, hazard and
  rate ratios), from which ``msrwe pool`` derives standard errors for meta-analysis;
- ``manifest.json``: format, site label, msrwe version, time, and the SHA-256 of each file.

No row holds a patient identifier, a date or a patient-level value. With small-cell suppression
(``msrwe analyze --aggregate-only --min-cell N``, :meth:`AnalysisResult.suppress`) the package
holds only what the site's suppressed results show: a withheld count is a ``counts.csv`` row
with an empty value and ``suppressed = true`` (so ``msrwe pool`` knows the sum is unknown
rather than smaller), an estimate derived from a withheld count is left out, and ``km.csv``
holds no rows, since a step table lists single events; ``manifest.json`` records ``min_cell``.

Examples
--------
>>> sorted(RATES)
['arr', 'eaer', 'eair']
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from msrwe._atomic import atomic_dir
from msrwe._version import __version__
from msrwe.errors import MsrweError

if TYPE_CHECKING:
    from msrwe.analysis.result import AnalysisResult

__all__ = [
    "ADDITIVE",
    "ESTIMATES",
    "FORMAT",
    "PACKAGE_FILES",
    "RATES",
    "km_steps",
    "read_package",
    "write_package",
]

#: Version of the package layout, checked by ``msrwe pool``.
FORMAT = "msrwe-site-package/1"

#: Files of a site package besides ``manifest.json``.
PACKAGE_FILES: tuple[str, ...] = ("counts.csv", "km.csv", "estimates.csv")

#: Stats that add up across sites exactly (the results table's vocabulary, docs/results.md).
ADDITIVE: tuple[str, ...] = ("N", "n", "events", "relapses", "person_years", "exposure_years")

#: Rates recomputed from pooled counts: stat -> (numerator, denominator, multiplier).
RATES: dict[str, tuple[str, str, float]] = {
    "eair": ("n", "person_years", 100.0),
    "eaer": ("events", "exposure_years", 100.0),
    "arr": ("relapses", "person_years", 1.0),
}

#: Estimates meta-analysed: stat -> (ci_low stat, ci_high stat, pooled on the log scale).
ESTIMATES: dict[str, tuple[str, str, bool]] = {
    "slope": ("ci_low", "ci_high", False),
    "hr": ("hr_ci_low", "hr_ci_high", True),
    "rate_ratio": ("rate_ratio_ci_low", "rate_ratio_ci_high", True),
}

_KEY = ["analysis", "group", "variable", "level"]


def _counts(results: pl.DataFrame) -> pl.DataFrame:
    """Additive rows of every output key that reports one of :data:`RATES`.

    ``suppressed`` is true for a count withheld by small-cell suppression (value empty).
    """
    rate_keys = results.filter(pl.col("stat").is_in(list(RATES))).select(_KEY).unique()
    withheld = pl.col("method").fill_null("").str.starts_with("suppressed")
    return (
        results.join(rate_keys, on=_KEY, how="semi")
        .filter(pl.col("stat").is_in(list(ADDITIVE))
                & (pl.col("value").is_not_null() | withheld))
        .select([*_KEY, "stat", "value", withheld.alias("suppressed")])
        .sort([*_KEY, "stat"])
    )


def _estimates(results: pl.DataFrame) -> pl.DataFrame:
    """Rows of :data:`ESTIMATES` with both interval limits, one row per estimate."""
    wide = results.filter(pl.col("value").is_not_null())
    out = []
    for stat, (lo, hi, log) in ESTIMATES.items():
        parts = [
            wide.filter(pl.col("stat") == s).select([*_KEY, pl.col("value").alias(a)])
            for s, a in ((stat, "estimate"), (lo, "ci_low"), (hi, "ci_high"))
        ]
        joined = parts[0].join(parts[1], on=_KEY).join(parts[2], on=_KEY)
        out.append(joined.with_columns(stat=pl.lit(stat), log_scale=pl.lit(log)))
    return pl.concat(out).select([*_KEY, "stat", "estimate", "ci_low", "ci_high", "log_scale"])


def km_steps(adtte: pl.DataFrame) -> pl.DataFrame:
    """Kaplan-Meier step table per ``param`` and ``group`` (plus ``overall``).

    Examples
    --------
    >>> t = pl.DataFrame({"param": ["P"] * 3, "group": ["A", "A", "B"],
    ...                   "time_days": [10.0, 10.0, 20.0], "event": [1, 0, 1]})
    >>> km_steps(t).filter(pl.col("group") == "overall").rows()
    [('P', 'overall', 10.0, 1, 1), ('P', 'overall', 20.0, 1, 0)]
    """
    base = adtte.select(
        "param", pl.col("group").cast(pl.String), "time_days",
        pl.col("event").cast(pl.Int64),
    ).drop_nulls(["param", "time_days", "event"])
    both = pl.concat([base, base.with_columns(group=pl.lit("overall"))])
    return (
        both.group_by("param", "group", "time_days")
        .agg(n_event=pl.col("event").sum(), n_censor=(1 - pl.col("event")).sum())
        .sort("param", "group", "time_days")
    )


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_package(result: AnalysisResult, out: str | Path, *, site: str = "site",
                  min_cell: int | None = None) -> Path:
    """Write ``result``'s site package into the folder ``out`` (atomically, whole folder).

    ``min_cell`` applies small-cell suppression first (see the module docstring); a result
    already suppressed (``result.min_cell``) keeps its own threshold.
    """
    if min_cell is not None and result.min_cell is None:
        result = result.suppress(min_cell)
    results = result.results.to_polars()
    adtte = result.datasets.get("adtte")
    if adtte is None or result.min_cell is not None:
        adtte = pl.DataFrame(schema={"param": pl.String, "group": pl.String,
                                     "time_days": pl.Float64, "event": pl.Int64})
    frames = {
        "counts.csv": _counts(results),
        "km.csv": km_steps(adtte),
        "estimates.csv": _estimates(results),
    }
    target = Path(out)
    with atomic_dir(target) as tmp:
        tmp = Path(tmp)
        for name, frame in frames.items():
            frame.write_csv(tmp / name)
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "site": site,
            "msrwe_version": __version__,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "drug": result.in_force.drug,
            "min_cell": result.min_cell,
            "km_min_at_risk": result.study.analysis.km_min_at_risk,
            "files": {name: _sha(tmp / name) for name in frames},
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def read_package(folder: str | Path) -> tuple[dict[str, Any], dict[str, pl.DataFrame]]:
    """Read and verify a site package: its manifest and its three tables."""
    folder = Path(folder)
    mf = folder / "manifest.json"
    if not mf.is_file():
        raise MsrweError(f"{folder} is not a site package: manifest.json is missing "
                         "(write one with `msrwe analyze --aggregate-only --out DIR`).")
    manifest = json.loads(mf.read_text())
    if manifest.get("format") != FORMAT:
        raise MsrweError(f"{mf}: format {manifest.get('format')!r} is not {FORMAT!r}.")
    frames = {}
    for name in PACKAGE_FILES:
        path = folder / name
        if not path.is_file():
            raise MsrweError(f"{folder}: {name} is missing from the site package.")
        if _sha(path) != manifest.get("files", {}).get(name):
            raise MsrweError(f"{path}: its SHA-256 does not match manifest.json; the file was "
                             "changed after the site wrote it.")
        types = {"level": pl.String, "group": pl.String, "value": pl.Float64, "param": pl.String,
                 "time_days": pl.Float64, "n_event": pl.Int64, "n_censor": pl.Int64}
        frame = pl.read_csv(path, schema_overrides=types)
        if name == "counts.csv" and "suppressed" not in frame.columns:  # no --min-cell
            frame = frame.with_columns(suppressed=pl.lit(False))
        frames[name] = frame
    return manifest, frames
