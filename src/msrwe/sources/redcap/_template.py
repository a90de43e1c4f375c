r"""msrwe's REDCap project template, generated from the chart contract so it always covers it.

One form per chart table: ``patient`` (one per record; the record identifier is the patient) and
a repeating instrument for every other table. Field names are the form's prefix and the contract
column (``vis_edss``); choices use the contract's values as codes, except EDSS, a dropdown of
Kurtzke's 20 valid steps coded 0-19 (REDCap codes are best kept to letters, digits and ``_``),
whose label is the score. Dates are ``date_ymd``; numbers carry the contract's ranges; the
identifiers are tagged ``Identifier? = y``.

Examples
--------
>>> rows = template_rows()
>>> rows[0][:4], rows[0][10]
(['record_id', 'patient', '', 'text'], 'y')
>>> [r[0] for r in rows if r[1] == "visit"][:3]
['vis_date', 'vis_edss', 'vis_fs_pyramidal']
>>> TEMPLATE_FORMS["visits"].form, TEMPLATE_FORMS["visits"].repeating
('visit', True)
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from msrwe._atomic import atomic_write_text
from msrwe.schema import CONTRACT, Column
from msrwe.sources.redcap._dictionary import DICTIONARY_COLUMNS

__all__ = [
    "EDSS_STEPS",
    "TEMPLATE_FORMS",
    "FormDesign",
    "template_field",
    "template_rows",
    "write_template",
]

#: Labels of coded values whose code alone would be terse on the form.
_CHOICE_LABELS = {"F": "Female", "M": "Male", "X": "X (other or not stated)", "iv": "IV",
                  "sc": "SC", "im": "IM"}

#: Kurtzke's 20 valid EDSS scores as the template's dropdown labels, coded 0-19.
EDSS_STEPS: tuple[str, ...] = ("0", *(f"{x / 2:.1f}" for x in range(2, 21)))


@dataclass(frozen=True)
class FormDesign:
    """How one chart table is collected in the template.

    Parameters
    ----------
    table
        The chart table.
    form
        The REDCap form (instrument) name.
    label
        The form's label.
    prefix
        The prefix of its field names (``""`` for the patient form).
    repeating
        Whether it is a repeating instrument (one instance per visit, relapse, dose, ...).
    """

    table: str
    form: str
    label: str
    prefix: str
    repeating: bool = True


#: Chart table -> its form in the template, in the contract's order.
TEMPLATE_FORMS: dict[str, FormDesign] = {
    d.table: d
    for d in (
        FormDesign("patients", "patient", "Patient", "", repeating=False),
        FormDesign("visits", "visit", "Visit", "vis"),
        FormDesign("relapses", "relapse", "Relapse", "rel"),
        FormDesign("administrations", "administration", "Administration", "adm"),
        FormDesign("treatments", "treatment", "Treatment", "trt"),
        FormDesign("adverse_events", "adverse_event", "Adverse Event", "ae"),
        FormDesign("hospitalizations", "hospital_stay", "Hospital Stay", "hosp"),
        FormDesign("mri", "mri", "MRI", "mri"),
        FormDesign("biomarkers", "biomarker", "Biomarker", "bio"),
    )
}


def template_field(table: str, column: str) -> str:
    """The template's field for one contract column (``patient_id`` is ``record_id``)."""
    if column == "patient_id":
        return "record_id"
    prefix = TEMPLATE_FORMS[table].prefix
    return f"{prefix}_{column}" if prefix else column


def _number(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _label(col: Column) -> str:
    text = col.description[:1].upper() + col.description[1:]
    return f"{text} ({col.unit})" if col.unit else text


def _row(table: str, col: Column) -> list[str]:
    """One dictionary row (the 18 columns) for a contract column."""
    form = TEMPLATE_FORMS[table].form
    ftype, choices, validation, lo, hi, note = "text", "", "", "", "", ""
    if col.check == "edss_half_step":
        ftype = "dropdown"
        choices = " | ".join(f"{i}, {s}" for i, s in enumerate(EDSS_STEPS))
    elif col.allowed is not None:
        ftype = "checkbox" if col.multiple else "dropdown"
        choices = " | ".join(
            f"{v}, {_CHOICE_LABELS.get(v, v.replace('_', ' '))}" for v in col.allowed
        )
    elif col.dtype == "boolean":
        ftype = "yesno"
    elif col.dtype == "date":
        validation = "date_ymd"
    elif col.dtype in ("integer", "number"):
        validation = col.dtype
        lo, hi = _number(col.minimum), _number(col.maximum)
        if not col.minimum_inclusive:
            note = "above 0"
            lo = ""
        if col.special:
            note = "; ".join(filter(None, [note, "777 = unable because of MS"]))
    identifier = "y" if col.privacy in ("identifier", "birth_date") else ""
    required = "y" if col.required else ""
    annotation = f"msrwe: {table}.{col.name}"
    return [template_field(table, col.name), form, "", ftype, _label(col), choices, note,
            validation, lo, hi, identifier, "", required, "", "", "", "", annotation]


def template_rows() -> list[list[str]]:
    """Every row of the template's data dictionary (without the header), form by form."""
    rows: list[list[str]] = []
    for name in CONTRACT.names:
        table = CONTRACT[name]
        for col in table.columns:
            if col.name == "patient_id" and name != "patients":
                continue  # the record identifier links every form to the patient
            rows.append(_row(name, col))
    return rows


def _csv(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


_README = """msrwe REDCap template
=====================

{dictionary}: the data dictionary (REDCap's 18 columns). Upload it in a new project:
  Project Setup -> Data Dictionary -> Upload.
{repeating}: the repeating instruments. Enable "Repeating instruments and events"
  (Project Setup), then upload this file there (Upload instrument list), or tick every form
  except "Patient" as repeating.

Forms: {forms}.
Fields tagged Identifier? = y (record_id, birth_date) are removed by REDCap's de-identified
export. Export the data as "CSV / Microsoft Excel (raw data)" (labels work too) and import:

  msrwe import-redcap EXPORT.csv --dictionary {dictionary} --db msrwe.duckdb
"""


def write_template(out: str | Path) -> dict[str, Path]:
    """Write the template's data dictionary, repeating-instrument list and a README into ``out``.

    Parameters
    ----------
    out
        The folder (created when missing). Each file is written atomically.

    Returns
    -------
    dict of str to Path
        ``dictionary``, ``repeating`` and ``readme`` -> the files written.

    Examples
    --------
    >>> import tempfile
    >>> files = write_template(tempfile.mkdtemp())
    >>> files["dictionary"].read_text().splitlines()[0].split(",")[:2]
    ['Variable / Field Name', 'Form Name']
    >>> files["repeating"].read_text().splitlines()[:2]
    ['form_name,custom_form_label', 'visit,[vis_date]']
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dictionary = out / "msrwe_redcap_dictionary.csv"
    repeating = out / "msrwe_redcap_repeating_instruments.csv"
    readme = out / "README.txt"
    atomic_write_text(dictionary, _csv([list(DICTIONARY_COLUMNS), *template_rows()]))
    rep_rows = [["form_name", "custom_form_label"]]
    for name, design in TEMPLATE_FORMS.items():
        if design.repeating:
            first_date = next(c.name for c in CONTRACT[name].columns if c.dtype == "date")
            rep_rows.append([design.form, f"[{template_field(name, first_date)}]"])
    atomic_write_text(repeating, _csv(rep_rows))
    forms = ", ".join(d.form for d in TEMPLATE_FORMS.values())
    atomic_write_text(readme, _README.format(dictionary=dictionary.name,
                                             repeating=repeating.name, forms=forms))
    return {"dictionary": dictionary, "repeating": repeating, "readme": readme}
