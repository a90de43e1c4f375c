"""Shared pytest configuration: hypothesis profiles, and how ``make test`` shares the tests out.

``make test`` runs the suite on two workers (``pytest -n 2 --dist loadgroup``, pytest-xdist):
:func:`pytest_xdist_make_scheduler` hands each worker whole units of work, the same unit for the
tests of one file, so that its module fixtures are made once. Each folder of :data:`ONE_WORKER`
is one unit: its tests share a service or a session fixture (one PostgreSQL, one Spark JVM, one
demo analysis or report per run, not one per worker). The tests of :data:`SPREAD` share nothing
and are long: each is a unit of its own. The units are handed out longest first (those tests, then
those folders, then the files in their order), so that no long unit is left for the end. A plain
``pytest`` (no ``-n``) runs everything in one process, in the usual order.
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=30, deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else "dev")

#: Folders whose tests run on one worker together (folder -> unit): they share a session-scoped
#: service or dataset, or (Spark and Dask, 100,000 patients each) are not to run at once.
ONE_WORKER = {
    "tests/sources/omop/": "tests/sources/omop/",  # a PostgreSQL server
    "tests/spark/": "tests/spark/ and tests/dask/",  # a Spark session (a JVM)
    "tests/dask/": "tests/spark/ and tests/dask/",  # a local Dask cluster
    "tests/report/": "tests/report/",  # the demo store, its analysis and the full report
    "tests/serve/": "tests/serve/",  # a store, a study and the app's users
    "tests/study/": "tests/study/",  # the demo analysis
    "tests/endpoints/": "tests/endpoints/",  # the demo analysis with every endpoint
}
#: Files of independent long tests (each in a folder of its own), spread over the workers.
SPREAD = ("tests/qa/test_docs_commands.py",)


def unit_of_work(nodeid: str) -> str:
    """The unit a test is run in under ``make test``: its folder, itself, or its file.

    Examples
    --------
    >>> unit_of_work("tests/report/test_render.py::test_case1")
    'tests/report/'
    >>> unit_of_work("tests/qa/test_docs_commands.py::test_case2[README.md:46]")
    'tests/qa/test_docs_commands.py::test_case2[README.md:46]'
    >>> unit_of_work("src/msrwe/_atomic.py::msrwe._atomic")
    'src/msrwe/_atomic.py'
    """
    where = nodeid.split("::", 1)[0]
    if where in SPREAD:
        return nodeid
    return next((unit for d, unit in ONE_WORKER.items() if where.startswith(d)), where)


def _first(nodeid: str) -> int:
    """0 for the long tests of SPREAD, 1 for the ONE_WORKER folders, 2 for the rest."""
    where = nodeid.split("::", 1)[0]
    if where in SPREAD:
        return 0
    return 1 if any(where.startswith(d) for d in ONE_WORKER) else 2


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """On a ``make test`` worker: the longest units are handed out first, the short files last.

    Each worker collects the same list (the scheduler checks), so the order is the same on both;
    within a file or folder the tests keep their order. Without ``-n`` nothing moves.
    """
    if getattr(config.option, "loadgroup", False):  # pytest-xdist sets it on its workers
        items.sort(key=lambda item: _first(item.nodeid))


def pytest_xdist_make_scheduler(config: Any, log: Any) -> Any:
    """With ``--dist loadgroup``, units of work by :func:`unit_of_work` (pytest-xdist's hook).

    pytest-xdist's own ``loadgroup`` reads ``xdist_group`` marks into the test ids, which pytest 9
    no longer lets a plugin change; the scheduler below groups by the ids as they are.
    """
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    config.option.loadscopereorder = False  # in the order pytest_collection_modifyitems gave
    return Units(config, log)
