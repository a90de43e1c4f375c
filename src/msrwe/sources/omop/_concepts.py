r"""The concept file: which OMOP concept ids mean which chart item (TOML).

msrwe ships a documented default (``concepts.toml`` beside this module): the SNOMED CT codes the
reference names (273554001 EDSS, 24700007 multiple sclerosis;
``../shared/reference/interop-privacy.md`` section 4.2) written as source values, with local
concept ids (>= 2,000,000,000) because the OMOP standard concept ids cannot be verified offline.
A centre with an Athena vocabulary copies the file and puts its standard concept ids in.

Examples
--------
>>> c = load_concepts()
>>> c.id("measurement", "edss"), c.source("measurement", "edss")
(2000000001, 'SNOMED:273554001')
>>> c.source("condition", "ms")
'SNOMED:24700007'
>>> c.key("drug", 2000000300)
'methotrexate'
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from msrwe.errors import MappingError

__all__ = ["SECTIONS", "Concepts", "default_concepts_path", "load_concepts"]

#: The sections of a concept file and the keys each must name (drug may name any drug).
SECTIONS: dict[str, tuple[str, ...]] = {
    "gender": ("F", "M", "X"),
    "measurement": (
        "edss", "fs_pyramidal", "fs_cerebellar", "fs_brainstem", "fs_sensory",
        "fs_bowel_bladder", "fs_visual", "fs_cerebral", "ambulation", "t25fw_s",
        "nhpt_dominant_s", "nhpt_nondominant_s", "sdmt", "gd_lesions", "new_t2_lesions",
        "enlarging_t2_lesions", "t2_volume_ml", "brain_volume_ml", "biomarker",
    ),
    "condition": ("ms", "relapse", "adverse_event"),
    "visit": ("hospital_stay",),
    "observation": ("clinic_visit", "mri_scan", "ms_onset",
                    "spms_conversion", "phenotype", "site", "detail"),
    "drug": (),
    "route": ("intrathecal", "iv", "oral", "sc", "im"),
    "type": ("chart", "administration", "treatment_course"),
    "field": ("person", "observation", "condition_occurrence", "drug_exposure",
              "visit_occurrence"),
}


@dataclass(frozen=True)
class Concepts:
    """A loaded concept file: section -> key -> (concept_id, source value).

    Parameters
    ----------
    entries
        Section -> chart item -> ``(concept_id, source_value)``.
    path
        The file read (for messages).
    """

    entries: dict[str, dict[str, tuple[int, str]]]
    path: str

    def id(self, section: str, key: str) -> int:
        """The concept id of ``key`` (0, OMOP's "no matching concept", when not listed)."""
        found = self.entries[section].get(key)
        return found[0] if found else 0

    def source(self, section: str, key: str) -> str:
        """The source value written beside the concept (the key itself when not listed)."""
        found = self.entries[section].get(key)
        return found[1] if found else key

    def key(self, section: str, concept_id: int | None) -> str | None:
        """The chart item a concept id means in ``section`` (None when none)."""
        if concept_id is None or concept_id == 0:
            return None
        for k, (cid, _) in self.entries[section].items():
            if cid == concept_id:
                return k
        return None

    def ids(self, section: str) -> dict[int, str]:
        """Concept id -> chart item, for one section."""
        return {cid: k for k, (cid, _) in self.entries[section].items()}


def default_concepts_path() -> Path:
    """The path of msrwe's default concept file."""
    return Path(str(resources.files("msrwe.sources.omop") / "concepts.toml"))


def load_concepts(path: str | Path | None = None) -> Concepts:
    """Read a concept file (default: msrwe's own) and check it.

    Raises
    ------
    MappingError
        When the file is not TOML, a section or key is missing, a concept id is not a whole
        number, or one concept id means two items of the same section.
    """
    p = Path(path) if path is not None else default_concepts_path()
    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"{p}: the concept file does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"{p}: not a valid TOML concept file ({exc})") from exc
    entries: dict[str, dict[str, tuple[int, str]]] = {}
    for section, needed in SECTIONS.items():
        raw = data.get(section)
        if not isinstance(raw, dict):
            raise MappingError(f"{p}: the concept file has no [{section}] section")
        missing = [k for k in needed if k not in raw]
        if missing:
            raise MappingError(f"{p}: [{section}] must name {', '.join(missing)}")
        parsed: dict[str, tuple[int, str]] = {}
        for key, value in raw.items():
            where = f"{p}: [{section}] {key}"
            if isinstance(value, dict):
                cid, src = value.get("concept_id"), value.get("source", key)
            else:
                cid, src = value, key
            if isinstance(cid, bool) or not isinstance(cid, int) or not 0 <= cid < 2**31:
                raise MappingError(f"{where}: concept_id must be a whole number from 0 to "
                                   f"2147483647; got {cid!r}")
            if not isinstance(src, str) or len(src) > 50:
                raise MappingError(f"{where}: source must be text of at most 50 characters")
            parsed[str(key)] = (cid, src)
        used: dict[int, str] = {}
        for key, (cid, _) in parsed.items():
            if cid and cid in used:
                raise MappingError(f"{p}: [{section}] {used[cid]} and {key} have the same "
                                   f"concept_id {cid}; each must mean one item")
            used[cid] = key
        entries[section] = parsed
    return Concepts(entries, str(p))
