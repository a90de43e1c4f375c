r"""A REDCap data dictionary: the 18-column CSV that defines a project's forms and fields.

The columns and their order are REDCap's (reference/interop-privacy.md section 4.1). The API's
``content=metadata`` answer has the same 18 columns under snake-case names
(``field_name``, ``form_name``, ...), so columns are read by position once the header is
recognised as either.

Examples
--------
>>> text = (",".join(f'"{c}"' for c in DICTIONARY_COLUMNS) + "\n"
...         + "record_id,patient,,text,Record ID,,,,,,y,,,,,,,\n"
...         + 'sex,patient,,dropdown,Sex,"F, Female | M, Male",,,,,,,,,,,,\n')
>>> d = parse_dictionary(text, source="dict.csv")
>>> d.record_id, d.fields["sex"].choices
('record_id', {'F': 'Female', 'M': 'Male'})
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

from msrwe.errors import ImportRefused

__all__ = [
    "API_COLUMNS",
    "DICTIONARY_COLUMNS",
    "Dictionary",
    "Field",
    "parse_choices",
    "parse_dictionary",
    "read_dictionary",
]

#: The 18 columns of a REDCap data dictionary, in REDCap's order.
DICTIONARY_COLUMNS: tuple[str, ...] = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

#: The same 18 columns as the REDCap API's ``content=metadata`` names them.
API_COLUMNS: tuple[str, ...] = (
    "field_name",
    "form_name",
    "section_header",
    "field_type",
    "field_label",
    "select_choices_or_calculations",
    "field_note",
    "text_validation_type_or_show_slider_number",
    "text_validation_min",
    "text_validation_max",
    "identifier",
    "branching_logic",
    "required_field",
    "custom_alignment",
    "question_number",
    "matrix_group_name",
    "matrix_ranking",
    "field_annotation",
)

#: Field types whose value is one of a list of coded choices.
CHOICE_TYPES = ("dropdown", "radio", "checkbox", "yesno", "truefalse")
_FIXED_CHOICES = {
    "yesno": {"1": "Yes", "0": "No"},
    "truefalse": {"1": "True", "0": "False"},
}


@dataclass(frozen=True)
class Field:
    """One field (variable) of a REDCap project.

    Parameters
    ----------
    name
        The variable name (lower case).
    form
        The form (instrument) it belongs to.
    field_type
        REDCap's field type (``text``, ``dropdown``, ``checkbox``, ``yesno``, ...).
    label
        The question as the form shows it.
    choices
        Coded value -> label, for dropdown, radio, checkbox, yesno and truefalse fields.
    validation
        The text validation type (``date_ymd``, ``integer``, ``number``, ...), or ``""``.
    minimum, maximum
        The validation bounds as written, or ``""``.
    identifier
        Whether the field is tagged as an identifier (``Identifier? = y``).
    """

    name: str
    form: str
    field_type: str
    label: str = ""
    choices: dict[str, str] = field(default_factory=dict)
    validation: str = ""
    minimum: str = ""
    maximum: str = ""
    identifier: bool = False

    @property
    def is_choice(self) -> bool:
        """Whether the value is a coded choice."""
        return self.field_type in CHOICE_TYPES


@dataclass(frozen=True)
class Dictionary:
    """A REDCap project's fields, in the dictionary's order.

    Parameters
    ----------
    fields
        Variable name -> :class:`Field`.
    source
        Where the dictionary was read from (for messages).
    """

    fields: dict[str, Field]
    source: str = "dictionary"

    @property
    def record_id(self) -> str:
        """The record identifier: the first field of the first form, as REDCap requires."""
        return next(iter(self.fields))

    @property
    def forms(self) -> tuple[str, ...]:
        """The forms (instruments), in the dictionary's order."""
        return tuple(dict.fromkeys(f.form for f in self.fields.values()))

    def form_fields(self, form: str) -> list[Field]:
        """The fields of one form, record identifier excluded."""
        return [f for f in self.fields.values() if f.form == form and f.name != self.record_id]

    def export_columns(self, f: Field) -> list[str]:
        """The columns a flat export gives a field (``name___code`` for each checkbox choice)."""
        if f.field_type == "checkbox":
            return [checkbox_column(f.name, code) for code in f.choices]
        if f.field_type == "descriptive":
            return []
        return [f.name]


def checkbox_column(name: str, code: str) -> str:
    """The export column of one checkbox choice: ``name___code`` (a minus sign becomes ``_``)."""
    return f"{name}___{code.lower().replace('-', '_')}"


def parse_choices(text: str) -> dict[str, str]:
    """``"1, One | 2, Two"`` -> ``{"1": "One", "2": "Two"}`` (no comma: the code is the label).

    Examples
    --------
    >>> parse_choices("0, 0 | 1, 1.0|2 , 1.5")
    {'0': '0', '1': '1.0', '2': '1.5'}
    """
    out: dict[str, str] = {}
    for part in text.split("|"):
        part = part.strip()
        if not part:
            continue
        code, sep, label = part.partition(",")
        out[code.strip()] = label.strip() if sep else code.strip()
    return out


def _field(row: list[str], where: str) -> Field:
    row = [c.strip() for c in row] + [""] * (18 - len(row))
    name, form, ftype = row[0].lower(), row[1].lower(), row[3].lower()
    if not name or not form or not ftype:
        raise ImportRefused(f"{where}: a field needs a variable name, a form name and a field type")
    choices: dict[str, str] = {}
    if ftype in _FIXED_CHOICES:
        choices = dict(_FIXED_CHOICES[ftype])
    elif ftype in CHOICE_TYPES:
        choices = parse_choices(row[5])
        if not choices:
            raise ImportRefused(f"{where}: the {ftype} field {name!r} has no choices")
    return Field(name, form, ftype, row[4], choices, row[7].lower(), row[8], row[9],
                 row[10].lower() == "y")


def _build(rows: list[list[str]], source: str) -> Dictionary:
    if not rows:
        raise ImportRefused("the data dictionary is empty", file=source)
    header = [h.strip() for h in rows[0]]
    if tuple(header[:18]) != DICTIONARY_COLUMNS and tuple(h.lower() for h in header[:18]) != (
        API_COLUMNS
    ):
        raise ImportRefused(
            "this is not a REDCap data dictionary: its first row should be REDCap's 18 columns "
            f"starting with {DICTIONARY_COLUMNS[0]!r}, but it starts with {header[:3]}",
            file=source,
        )
    fields: dict[str, Field] = {}
    for i, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        f = _field(row, f"{source}, row {i}")
        if f.name in fields:
            raise ImportRefused(f"row {i}: the field {f.name!r} is defined twice", file=source)
        fields[f.name] = f
    if not fields:
        raise ImportRefused("the data dictionary has no fields", file=source)
    return Dictionary(fields, source)


def parse_dictionary(text: str, *, source: str = "dictionary") -> Dictionary:
    """Read a data dictionary from CSV text (REDCap's column names or the API's) or API JSON.

    Raises
    ------
    ImportRefused
        When the text is not a REDCap data dictionary or a field is malformed.
    """
    text = text.lstrip("\ufeff")
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportRefused(f"the metadata is not valid JSON ({exc.msg})", file=source) from exc
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ImportRefused("the metadata JSON is not a list of fields", file=source)
        rows = [list(API_COLUMNS)] + [[str(i.get(c, "")) for c in API_COLUMNS] for i in items]
        return _build(rows, source)
    return _build(list(csv.reader(io.StringIO(text))), source)


def read_dictionary(path: str | Path) -> Dictionary:
    """Read a REDCap data dictionary CSV file (UTF-8, as REDCap downloads it).

    Raises
    ------
    ImportRefused
        When the file cannot be read or is not a data dictionary.
    """
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise ImportRefused(f"cannot read the data dictionary ({exc.strerror or exc})",
                            file=str(path)) from exc
    except UnicodeDecodeError:
        text = path.read_bytes().decode("cp1252")
    return parse_dictionary(text, source=path.name)
