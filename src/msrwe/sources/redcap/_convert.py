r"""A REDCap flat export -> the chart contract's tables (as text), with where each row came from.

The export has one row per record x event x repeat instance (reference/interop-privacy.md 4.1):
``record_id``, ``redcap_event_name``, ``redcap_repeat_instrument`` (blank on the non-repeating
row), ``redcap_repeat_instance``, the fields (checkboxes as ``field___code``) and each form's
``<form>_complete`` (0 incomplete, 1 unverified, 2 complete). The rows of a table's form are
its instances (``redcap_repeat_instrument`` = the form) and the non-repeating rows that hold any
of its fields (a longitudinal project's visit form in each event).

Examples
--------
>>> import polars as pl
>>> from msrwe.sources.redcap._dictionary import parse_dictionary
>>> from msrwe.sources.redcap._template import template_rows
>>> from msrwe.sources.redcap._mapping import template_mapping
>>> d = parse_dictionary("\n".join(",".join(f'"{c}"' for c in r)
...     for r in [list(DICTIONARY_COLUMNS), *template_rows()]))
>>> export = pl.DataFrame({"record_id": ["7", "7"], "redcap_repeat_instrument": [None, "visit"],
...     "redcap_repeat_instance": [None, "1"], "sex": ["F", None],
...     "vis_date": [None, "2020-01-02"], "vis_edss": [None, "7"]})
>>> conv = convert(with_source_rows(export, 2), d, template_mapping())
>>> conv.frames["visits"].select("patient_id", "date", "edss").row(0)
('7', '2020-01-02', '4.0')
>>> conv.frames["visits"][ORIGIN][0]
'record 7, visit instance 1'
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from msrwe.errors import ImportRefused
from msrwe.io import ORIGIN, SOURCE_ROW
from msrwe.schema import CONTRACT, Column
from msrwe.sources.redcap._dictionary import (  # noqa: F401  (DICTIONARY_COLUMNS: doctest)
    DICTIONARY_COLUMNS,
    Dictionary,
    Field,
    checkbox_column,
)
from msrwe.sources.redcap._mapping import RedcapMapping, SourceTable

__all__ = ["Converted", "convert", "with_source_rows"]

EVENT, INSTRUMENT, INSTANCE = (
    "redcap_event_name",
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
)
#: The data access group column of a multi-site project's export.
DAG = "redcap_data_access_group"
_INDEX, _RECORD = "__msrwe_index", "__msrwe_record"
_CHECKED = ("1", "checked")
_UNCHECKED = ("0", "unchecked")
_INCOMPLETE = ("0", "incomplete")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Converted:
    """The chart tables read from an export, ready for :func:`msrwe.io.import_frames`.

    Parameters
    ----------
    frames
        Chart table -> its rows as text, with :data:`~msrwe.io.ORIGIN` and
        :data:`~msrwe.io.SOURCE_ROW`.
    flags
        Chart table -> problems found while decoding (a code that is not a choice; an incomplete
        form), in the shape :func:`msrwe.io.read_frames` takes.
    fields
        Chart table -> contract column -> REDCap field, for messages.
    groups
        Chart table -> the source record of each row (see ``records``).
    records
        Every form record read: ``record`` (an integer id) and ``source`` (the form).
    """

    frames: dict[str, pl.DataFrame]
    flags: dict[str, pl.DataFrame]
    fields: dict[str, dict[str, str]]
    groups: dict[str, pl.Series]
    records: pl.DataFrame


def with_source_rows(export: pl.DataFrame, first: int) -> pl.DataFrame:
    """Add :data:`~msrwe.io.SOURCE_ROW` numbering the rows from ``first`` (2 below a header)."""
    return export.with_columns(pl.int_range(first, export.height + first).alias(SOURCE_ROW))


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Lower-case headers; every cell stripped, empty cells null."""
    frame = frame.rename({c: c.strip().lower() for c in frame.columns})
    return frame.with_columns(
        pl.when(pl.col(c).str.strip_chars() != "").then(pl.col(c).str.strip_chars()).alias(c)
        for c in frame.columns
        if frame.schema[c] == pl.String
    )


def _choice_value(col: Column, code: str, label: str, recode: dict[str, str]) -> str:
    """The contract value of one choice: the mapping's, else the code or label that fits."""
    if code in recode:
        return recode[code]
    if label in recode:
        return recode[label]
    if col.dtype in ("number", "integer"):
        try:
            float(label)
        except ValueError:
            return code
        return label
    if col.allowed is not None:
        allowed = {a.lower(): a for a in col.allowed}
        if code in col.allowed:
            return code
        if label.lower() in allowed:
            return allowed[label.lower()]
    return code


def _label_mode(export: pl.DataFrame, fields: list[Field], mode: str) -> bool:
    """Whether the export writes choice labels (``auto``: the more common reading of the cells)."""
    if mode != "auto":
        return mode == "label"
    codes_only = labels_only = 0
    for f in fields:
        if f.field_type == "checkbox" or f.name not in export.columns:
            continue
        codes, labels = set(f.choices), set(f.choices.values())
        cells = export.get_column(f.name).drop_nulls()
        codes_only += int(cells.is_in(list(codes - labels)).sum())
        labels_only += int(cells.is_in(list(labels - codes)).sum())
    return labels_only > codes_only


class _Decoder:
    """Expressions turning export cells into contract text, and the flags of cells that fail."""

    def __init__(self, export: pl.DataFrame, d: Dictionary, label_mode: bool) -> None:
        self.export, self.d, self.label_mode = export, d, label_mode

    def column(self, table: str, col: Column, name: str, recode: dict[str, str]) -> tuple[
        pl.Expr, pl.Expr | None, str
    ]:
        """(value expression, expression true on a bad cell or None, message of a bad cell)."""
        base, sep, code = name.partition("___")
        f = self.d.fields.get(base)
        cols = self.export.columns
        if sep:  # one checkbox choice -> true/false
            if f is None or f.field_type != "checkbox" or name not in cols:
                raise ImportRefused(f"the export has no checkbox column {name!r} ({table}."
                                    f"{col.name}); check the mapping and the export")
            cell = pl.col(name).str.to_lowercase()
            value = pl.when(cell.is_in(_CHECKED)).then(pl.lit("true")).when(
                cell.is_in(_UNCHECKED)).then(pl.lit("false")).otherwise(pl.col(name))
            return value, None, ""
        if f is None:
            raise ImportRefused(f"{self.d.source} has no field {name!r} ({table}.{col.name}); "
                                "check the mapping")
        if f.field_type == "checkbox":
            return self._checkbox(f, col, recode)
        if name not in cols:
            return pl.lit(None, dtype=pl.String), None, ""
        src = pl.col(name)
        if not f.is_choice:
            value = src.replace(recode) if recode else src
            if col.dtype == "date" and f.validation.startswith(("date", "datetime")):
                value = pl.when(value.str.contains(_DATE.pattern)).then(
                    value.str.slice(0, 10)).otherwise(value)
            return value, None, ""
        table_map: dict[str, str] = {}
        pairs = list(f.choices.items())
        primary = [(lab, c) for c, lab in pairs] if self.label_mode else [(c, c) for c, _ in pairs]
        secondary = [(c, c) for c, _ in pairs] if self.label_mode else [(lab, c) for c, lab in
                                                                          pairs]
        for key, code in secondary + primary:  # primary wins on a collision
            table_map[key] = _choice_value(col, code, f.choices[code], recode)
        decoded = src.replace_strict(table_map, default=None, return_dtype=pl.String)
        bad = src.is_not_null() & decoded.is_null()
        # a cell that is no choice is quarantined for that alone: free text keeps the cell (so
        # a required drug is not also "missing"), a coded column is left empty (so no rule of
        # the contract reports the same cell twice)
        free = col.dtype == "text" and col.allowed is None
        value = pl.when(bad).then(src).otherwise(decoded) if free else decoded
        shown = "; ".join(f"{c} = {lab}" for c, lab in pairs[:8])
        more = ", ..." if len(pairs) > 8 else ""
        msg = f"is not a choice of the field {f.name} ({shown}{more})"
        return value, bad, msg

    def _checkbox(self, f: Field, col: Column, recode: dict[str, str]) -> tuple[
        pl.Expr, pl.Expr | None, str
    ]:
        parts = []
        for code, label in f.choices.items():
            name = checkbox_column(f.name, code)
            if name not in self.export.columns:
                continue
            value = _choice_value(col, code, label, recode)
            parts.append(pl.when(pl.col(name).str.to_lowercase().is_in(_CHECKED))
                         .then(pl.lit(value)))
        if not parts:
            return pl.lit(None, dtype=pl.String), None, ""
        joined = pl.concat_str(parts, separator=col.multiple or ";", ignore_nulls=True)
        return pl.when(joined != "").then(joined), None, ""


def _outside_validation(f: Field | None, columns: list[str]) -> tuple[pl.Expr, str] | None:
    """Cells outside the field's validation range: REDCap lets a user confirm such a value.

    Numbers are compared as numbers, dates (``date_*``, ``datetime_*``) as ISO text.
    """
    if f is None or f.is_choice or f.name not in columns or not (f.minimum or f.maximum):
        return None
    cell = pl.col(f.name)
    if f.validation.startswith(("date", "datetime")):
        value, lo, hi = cell.str.slice(0, 10), f.minimum[:10], f.maximum[:10]
        outside = pl.lit(False)
        if lo:
            outside = outside | (value < lo)
        if hi:
            outside = outside | (value > hi)
    elif f.validation in ("integer", "int", "number", "float") or f.validation.startswith(
            "number"):
        try:
            lo_n = float(f.minimum) if f.minimum else None
            hi_n = float(f.maximum) if f.maximum else None
        except ValueError:
            return None
        value = cell.str.replace(",", ".").cast(pl.Float64, strict=False)
        outside = pl.lit(False)
        if lo_n is not None:
            outside = outside | (value < lo_n)
        if hi_n is not None:
            outside = outside | (value > hi_n)
    else:
        return None
    bounds = f"{f.minimum or '...'} to {f.maximum or '...'}"
    msg = (f"is outside the range REDCap's dictionary gives the field {f.name} ({bounds}); "
           "REDCap lets a user confirm such a value: it is imported, check it")
    return cell.is_not_null() & outside.fill_null(False), msg


def _form_rows(export: pl.DataFrame, form: str | None, fields: list[str]) -> pl.Expr:
    """Rows of a form: its repeat instances, and non-repeating rows holding any of its fields."""
    present = [c for c in fields if c in export.columns]
    any_data = pl.any_horizontal(pl.col(c).is_not_null() for c in present) if present else (
        pl.lit(False))
    if INSTRUMENT not in export.columns:
        return any_data
    repeat = pl.lit(False) if form is None else (pl.col(INSTRUMENT) == form)
    return repeat | (pl.col(INSTRUMENT).is_null() & any_data)


def _origin(export: pl.DataFrame, record: str) -> pl.Expr:
    parts = [pl.concat_str(pl.lit("record "), pl.col(record))]
    if EVENT in export.columns:
        parts.append(pl.when(pl.col(EVENT).is_not_null()).then(
            pl.concat_str(pl.lit(", event "), pl.col(EVENT))))
    if INSTANCE in export.columns:
        label = pl.col(INSTRUMENT) if INSTRUMENT in export.columns else pl.lit("event")
        parts.append(pl.when(pl.col(INSTANCE).is_not_null()).then(
            pl.concat_str(pl.lit(", "), pl.coalesce(label, pl.lit("event")), pl.lit(" instance "),
                          pl.col(INSTANCE))))
    return pl.concat_str(parts, ignore_nulls=True).alias(ORIGIN)


def _field_names(d: Dictionary, fields: list[str]) -> list[str]:
    """Export columns of the given fields (checkbox fields give one column per choice)."""
    out = []
    for name in fields:
        f = d.fields.get(name.partition("___")[0])
        out.extend(d.export_columns(f) if f is not None and "___" not in name else [name])
    return out


def convert(
    export: pl.DataFrame, d: Dictionary, mapping: RedcapMapping, *, incomplete: str = "warn"
) -> Converted:
    """Turn a flat export (text cells, with :data:`~msrwe.io.SOURCE_ROW`) into chart tables.

    Parameters
    ----------
    export
        The flat export, every cell as text.
    d
        The project's data dictionary.
    mapping
        Which form and fields give which chart table and column.
    incomplete
        ``warn``: rows of a form marked incomplete (``<form>_complete`` = 0) are imported with a
        warning; ``skip``: they are left out (counted as ignored).

    Raises
    ------
    ImportRefused
        When the export lacks the record identifier or a field a required column needs.
    """
    export = _clean(export)
    record = d.record_id
    if record not in export.columns:
        raise ImportRefused(f"the export has no {record!r} column (the record identifier, the "
                            f"first field of {d.source}); is it an export of this project?")
    export = export.with_columns(pl.int_range(0, pl.len()).alias(_INDEX))
    if INSTRUMENT in export.columns:  # a label export names the instrument by its label
        export = export.with_columns(
            pl.col(INSTRUMENT).str.to_lowercase().str.replace_all(r"[^a-z0-9]+", "_")
            .str.strip_chars("_")
        )
    n_forms = len(d.forms) + 1
    choice_fields = [f for f in d.fields.values() if f.is_choice]
    decoder = _Decoder(export, d, _label_mode(export, choice_fields, mapping.values))
    frames: dict[str, pl.DataFrame] = {}
    flags: dict[str, pl.DataFrame] = {}
    names: dict[str, dict[str, str]] = {}
    groups: dict[str, pl.Series] = {}
    form_index = {form: i for i, form in enumerate(d.forms)}
    for table, src in mapping.tables.items():
        frame, bad, fields = _table(export, d, decoder, src, record, incomplete)
        form_id = form_index.get(src.form or d.fields[record].form, len(d.forms))
        groups[table] = frame[_INDEX] * n_forms + form_id
        frames[table] = frame.drop(_INDEX)
        flags[table] = bad
        names[table] = fields
    frames["patients"], groups["patients"] = _all_patients(
        export, frames["patients"], groups["patients"], record)
    return Converted(frames, flags, names, groups, _records(export, d, n_forms))


def _table(
    export: pl.DataFrame, d: Dictionary, decoder: _Decoder, src: SourceTable, record: str,
    incomplete: str,
) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, str]]:
    table = CONTRACT[src.table]
    mapped = {c: f for c, f in src.columns.items() if f and c != "patient_id"}
    id_field = src.columns.get("patient_id") or record
    form = src.form
    data_fields = _field_names(d, list(mapped.values()))
    if form is not None:
        data_fields += [f"{form}_complete"] if f"{form}_complete" in export.columns else []
    rows = export.filter(_form_rows(export, form, _field_names(d, list(mapped.values()))))
    complete = f"{form or d.fields[record].form}_complete"
    undone = (pl.col(complete).str.to_lowercase().is_in(_INCOMPLETE)
              if complete in export.columns else pl.lit(False))
    if incomplete == "skip":
        rows = rows.filter(~undone)
    exprs = [pl.col(id_field).alias("patient_id")]
    checks: list[tuple[str, str, pl.Expr, str]] = []
    soft_checks: list[tuple[str, str, pl.Expr, str]] = []
    fields = {"patient_id": id_field}
    for col in table.columns:
        if col.name not in mapped:
            continue
        name = mapped[col.name]
        value, bad, msg = decoder.column(src.table, col, name, src.values.get(col.name, {}))
        exprs.append(value.alias(col.name))
        fields[col.name] = name
        if bad is not None:
            checks.append((col.name, name, bad, msg))
        soft = _outside_validation(d.fields.get(name), export.columns)
        if soft is not None:
            soft_checks.append((col.name, name, *soft))
    if src.table == "patients" and DAG in export.columns:
        # a multi-site project's data access group is the patient's site when no field gives it
        site = [i for i, e in enumerate(exprs) if e.meta.output_name() == "site"]
        if site:
            exprs[site[0]] = pl.coalesce(exprs[site[0]], pl.col(DAG)).alias("site")
        else:
            exprs.append(pl.col(DAG).alias("site"))
            fields["site"] = DAG
    missing = [c.name for c in table.columns
               if c.required and c.name not in mapped and c.name != "patient_id"]
    if missing:
        raise ImportRefused(f"nothing gives {src.table}.{missing[0]} (required): map a field "
                            f"of the form {form} to it")
    out = rows.select(*exprs, _origin(export, record), pl.col(SOURCE_ROW), pl.col(_INDEX))
    problems = []
    indexed = rows.with_row_index("__msrwe_i")
    for column, name, bad, msg in checks:
        hit = indexed.filter(bad)
        if hit.height:
            problems.append(hit.select(
                pl.col("__msrwe_i").cast(pl.Int64).alias("index"), pl.lit(column).alias(
                    "column_name"), pl.col(name).alias("value"),
                pl.lit("redcap_not_a_choice").alias("rule"),
                pl.format("'{}' " + msg.replace("{", "{{").replace("}", "}}"), pl.col(name))
                .alias("message"), pl.lit("quarantine").alias("severity")))
    for column, name, outside, msg in soft_checks:
        hit = indexed.filter(outside)
        if hit.height:
            problems.append(hit.select(
                pl.col("__msrwe_i").cast(pl.Int64).alias("index"), pl.lit(column).alias(
                    "column_name"), pl.col(name).alias("value"),
                pl.lit("redcap_outside_validation").alias("rule"),
                pl.format("'{}' " + msg.replace("{", "{{").replace("}", "}}"), pl.col(name))
                .alias("message"), pl.lit("warning").alias("severity")))
    if incomplete == "warn" and complete in export.columns:
        hit = indexed.filter(undone)
        if hit.height:
            problems.append(hit.select(
                pl.col("__msrwe_i").cast(pl.Int64).alias("index"),
                pl.lit(complete).alias("column_name"), pl.col(complete).alias("value"),
                pl.lit("redcap_form_incomplete").alias("rule"),
                pl.lit(f"the form {form or 'of the patient'} is marked incomplete in REDCap; "
                       "imported (use --incomplete skip to leave incomplete forms out)")
                .alias("message"), pl.lit("warning").alias("severity")))
    schema = {"index": pl.Int64, "column_name": pl.String, "value": pl.String,
              "rule": pl.String, "message": pl.String, "severity": pl.String}
    bad_rows = pl.concat([pl.DataFrame(schema=schema), *problems]) if problems else (
        pl.DataFrame(schema=schema))
    return out, bad_rows, fields


def _all_patients(
    export: pl.DataFrame, patients: pl.DataFrame, group: pl.Series, record: str
) -> tuple[pl.DataFrame, pl.Series]:
    """Every record is a patient, even one whose patient form is empty."""
    have = patients.get_column("patient_id").implode()
    lacking = export.filter(pl.col(record).is_not_null() & ~pl.col(record).is_in(have))
    lacking = lacking.group_by(record, maintain_order=True).agg(pl.col(SOURCE_ROW).first())
    if lacking.height == 0:
        return patients, group
    extra = lacking.select(
        pl.col(record).alias("patient_id"),
        pl.concat_str(pl.lit("record "), pl.col(record)).alias(ORIGIN),
        pl.col(SOURCE_ROW),
    )
    merged = pl.concat([patients, extra], how="diagonal_relaxed")
    return merged, pl.concat([group, pl.Series([-1] * extra.height, dtype=group.dtype)])


def _records(export: pl.DataFrame, d: Dictionary, n_forms: int) -> pl.DataFrame:
    """Every (row, form) with data: the units the per-form accounting counts."""
    parts = []
    for i, form in enumerate(d.forms):
        cols = _field_names(d, [f.name for f in d.form_fields(form)])
        hit = export.filter(_form_rows(export, form, cols))
        parts.append(hit.select((pl.col(_INDEX) * n_forms + i).alias("record"),
                                pl.lit(form).alias("source")))
    if INSTRUMENT in export.columns:
        known = list(d.forms)
        other = export.filter(pl.col(INSTRUMENT).is_not_null()
                              & ~pl.col(INSTRUMENT).is_in(known))
        parts.append(other.select((pl.col(_INDEX) * n_forms + len(d.forms)).alias("record"),
                                  pl.col(INSTRUMENT).alias("source")))
    return pl.concat(parts).sort("record")
