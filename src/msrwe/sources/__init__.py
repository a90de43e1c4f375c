"""Charts from where they live: importers for REDCap, OMOP CDM and FHIR.

Each importer turns its source into the chart contract's tables and stores them through
:func:`msrwe.io.import_frames`, so every source meets the same rules, quarantine and accounting.
"""

__all__: list[str] = []
