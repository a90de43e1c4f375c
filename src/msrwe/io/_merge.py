"""One merge of a chart read with what the store holds, for every import.

``import_folder`` and ``import_frames`` both merge a validated chart with the store: the store's
other tables are checked again against the new patients (issue 9 item 5).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from msrwe.io._frames import sort_problems
from msrwe.io._links import patient_links
from msrwe.io._reconcile import Rechecked, reconcile, stored_state

if TYPE_CHECKING:
    from msrwe.io._import import ChartFolder

__all__ = ["StoreMerge", "merge_with_store"]


@dataclass
class StoreMerge:
    """A chart read, merged with what the store holds (``import_folder``, ``import_frames``).

    The store's other tables are checked again against the new patients (issue 9 item 5): rows
    that now fail move to the quarantine, rows whose cause is gone come back.
    """

    tables: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame
    warnings: pl.DataFrame
    #: What ``write_import`` keeps for later re-checks, per table.
    checked: dict[str, pl.DataFrame]
    rechecked: dict[str, Rechecked]
    #: The store's tables checked again (``None`` when there was no store yet).
    again: dict[str, pl.DataFrame] | None
    #: The import-log rows of the tables checked again.
    other_log: pl.DataFrame | None
    #: The import log of the chart itself.
    chart_log: Any

    def import_log(self, now: str) -> pl.DataFrame:
        """The chart's import log, then that of the store's tables checked again."""
        log = self.chart_log(now)
        if self.other_log is None or self.other_log.height == 0:
            return log
        other = self.other_log.select([pl.col(c).cast(t) for c, t in log.schema.items()])
        return pl.concat([log, other])

    def with_rechecked_links(self, links: pl.DataFrame) -> pl.DataFrame:
        """``links`` and the patient links of the quarantined rows of the tables checked again."""
        if self.again is None:
            return links
        return pl.concat([links, patient_links(self.again, self.quarantine, every_row=False)])


def merge_with_store(db: str | Path, chart: ChartFolder, internal: ChartFolder) -> StoreMerge:
    """Merge ``chart`` (validated as ``internal``) with the store at ``db``, as every import does.

    ``internal`` is the chart before any source-specific renumbering (``import_frames``); a
    folder import passes its chart twice.
    """
    tables = dict(chart.tables)
    quarantine, warnings = chart.quarantine, chart.warnings
    rechecked: dict[str, Rechecked] = {}
    checked = internal.kept_for_rechecks()
    stored = stored_state(Path(db), {*chart.tables, *chart.spilled})
    other_log = None
    again_frames = None
    if stored is not None:
        again, q, w, other_log, rechecked, held = reconcile(internal.checked, stored)
        tables.update(again)
        checked.update(held)
        quarantine = sort_problems(pl.concat([quarantine, q]))
        warnings = sort_problems(pl.concat([warnings, w]))
        again_frames = {n: f for n, f in stored.checked.items()
                        if n in tables and n not in internal.checked}
    return StoreMerge(tables, quarantine, warnings, checked, rechecked, again_frames, other_log,
                      chart.import_log)
