r"""Chart tables -> a REDCap flat export in the template's layout, as a centre would download it.

Used to test the importer end to end (synth -> REDCap export -> ``import-redcap`` gives the same
store as the direct CSV import) and to give a demo project for ``msrwe redcap synth``.

Examples
--------
>>> import polars as pl
>>> tables = {"patients": pl.DataFrame({"patient_id": ["P1"], "sex": ["F"]}),
...           "visits": pl.DataFrame({"patient_id": ["P1"], "date": ["2020-01-02"],
...                                   "edss": [6.5], "scheduled": [True]})}
>>> export = redcap_export(tables)
>>> export.select("record_id", "redcap_repeat_instrument", "vis_edss", "vis_scheduled").rows()
[('P1', None, None, None), ('P1', 'visit', '12', '1')]
>>> redcap_export(tables, labels=True)["vis_edss"].to_list()
[None, '6.5']
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from msrwe._atomic import atomic_write_text
from msrwe.io._rules import BOOLEAN_WORDS
from msrwe.schema import CONTRACT
from msrwe.sources.redcap._dictionary import checkbox_column, parse_choices
from msrwe.sources.redcap._template import (
    EDSS_STEPS,
    TEMPLATE_FORMS,
    template_field,
    template_rows,
    write_template,
)

__all__ = ["redcap_export", "write_redcap_export"]

_BASE = ("record_id", "redcap_repeat_instrument", "redcap_repeat_instance")


def _text(s: pl.Series) -> pl.Series:
    if s.dtype == pl.Date:
        return s.dt.to_string("%Y-%m-%d")
    if s.dtype == pl.Boolean:
        return s.replace_strict({True: "1", False: "0"}, return_dtype=pl.String)
    return s.cast(pl.String)


def _edss(s: pl.Series, labels: bool) -> pl.Series:
    """EDSS scores as the dropdown's codes (or labels); a cell that is no valid score as written."""
    codes = {float(v): (v if labels else str(i)) for i, v in enumerate(EDSS_STEPS)}
    texts = _text(s).to_list()
    values = s.cast(pl.Float64, strict=False).to_list()
    out = [None if t is None else codes.get(v, t) if v is not None else t
           for t, v in zip(texts, values, strict=True)]
    return pl.Series(s.name, out, dtype=pl.String)


def _form_rows(name: str, frame: pl.DataFrame, labels: bool) -> pl.DataFrame:
    """The export rows of one chart table: one instance per row, numbered per patient."""
    design = TEMPLATE_FORMS[name]
    rows = {c[0]: c for c in template_rows() if c[1] == design.form}
    out: dict[str, pl.Series] = {"record_id": frame["patient_id"].cast(pl.String)}
    if design.repeating:
        label = design.label if labels else design.form
        out["redcap_repeat_instrument"] = pl.Series([label] * frame.height, dtype=pl.String)
        inst = frame.select(pl.int_range(1, pl.len() + 1).over("patient_id"))
        out["redcap_repeat_instance"] = inst.to_series().cast(pl.String)
    for col in CONTRACT[name].columns:
        if col.name == "patient_id" or col.name not in frame.columns:
            continue
        fld = template_field(name, col.name)
        s = frame[col.name]
        row = rows[fld]
        if col.check == "edss_half_step":
            out[fld] = _edss(s, labels)
        elif row[3] == "checkbox":
            picked = s.cast(pl.String).str.split(col.multiple or ";").to_list()
            for code, _lab in parse_choices(row[5]).items():
                ticked = [None if p is None else code in [x.strip() for x in p] for p in picked]
                out[checkbox_column(fld, code)] = pl.Series(
                    [("Checked" if t else "Unchecked") if labels else ("1" if t else "0")
                     for t in ticked], dtype=pl.String)
        elif row[3] == "yesno":
            # typed booleans, or chart text such as "yes" / "0" (a dirty chart)
            yes, no = ("Yes", "No") if labels else ("1", "0")
            text = _text(s)
            words = text.str.strip_chars().str.to_lowercase().replace_strict(
                BOOLEAN_WORDS, default=None, return_dtype=pl.Boolean)
            out[fld] = pl.select(pl.when(words).then(pl.lit(yes))
                                 .when(~words).then(pl.lit(no))
                                 .otherwise(pl.lit(text))).to_series().alias(fld)
        elif row[3] == "dropdown" and labels:
            choices = parse_choices(row[5])
            text = s.cast(pl.String)  # a value that is no choice stays as charted
            out[fld] = text.replace_strict(choices, default=text, return_dtype=pl.String)
        else:
            out[fld] = _text(s)
    out[f"{design.form}_complete"] = pl.Series(["Complete" if labels else "2"] * frame.height,
                                               dtype=pl.String)
    return pl.DataFrame(out)


def redcap_export(tables: dict[str, pl.DataFrame], *, labels: bool = False) -> pl.DataFrame:
    """The flat export (raw codes, or labels) of chart tables entered in a template project.

    Parameters
    ----------
    tables
        Chart table -> its rows (typed, as :func:`msrwe.synth.make_cohort` gives them).
    labels
        Write choice labels instead of codes (REDCap's "labels" export).

    Returns
    -------
    polars.DataFrame
        Every cell as text, the columns in the dictionary's order; one row per patient (the
        patient form) and one per instance of each repeating form.
    """
    columns = list(_BASE)
    for row in template_rows():
        if row[0] == "record_id":
            continue
        if row[3] == "checkbox":
            columns += [checkbox_column(row[0], c) for c in parse_choices(row[5])]
        else:
            columns.append(row[0])
    for design in TEMPLATE_FORMS.values():
        columns.append(f"{design.form}_complete")
    columns = list(dict.fromkeys(columns))
    parts = [_form_rows(n, tables[n], labels) for n in CONTRACT.names if n in tables]
    export = pl.concat(parts, how="diagonal_relaxed")
    order = {pid: i for i, pid in enumerate(tables["patients"]["patient_id"].cast(pl.String))}
    export = export.with_columns(
        pl.col("record_id").replace_strict(order, default=len(order)).alias("__o"),
        pl.int_range(pl.len()).alias("__n"),
    ).sort("__o", "__n").drop("__o", "__n")
    # each form's _complete column follows its fields, as REDCap writes it
    final = []
    for design in TEMPLATE_FORMS.values():
        names = {r[0] for r in template_rows() if r[1] == design.form}
        final += [c for c in columns if c.split("___")[0] in names]
        final.append(f"{design.form}_complete")
    final = list(_BASE) + [c for c in final if c not in _BASE]
    return export.select(
        pl.col(c) if c in export.columns else pl.lit(None, dtype=pl.String).alias(c)
        for c in final
    )


def write_redcap_export(
    tables: dict[str, pl.DataFrame], out: str | Path, *, labels: bool = False
) -> dict[str, Path]:
    """Write chart tables as a template project's export, with its data dictionary.

    Parameters
    ----------
    tables
        Chart table -> its rows.
    out
        The folder (created when missing); every file is written atomically.
    labels
        Write choice labels instead of codes.

    Returns
    -------
    dict of str to Path
        ``export`` (the flat CSV), ``dictionary``, ``repeating`` and ``readme``.
    """
    out = Path(out)
    files = write_template(out)
    export = redcap_export(tables, labels=labels)
    target = out / ("msrwe_redcap_export_labels.csv" if labels else "msrwe_redcap_export.csv")
    atomic_write_text(target, export.write_csv())
    return {"export": target, **files}
