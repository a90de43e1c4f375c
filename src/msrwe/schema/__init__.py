"""The chart data model: the tables of DATA_CONTRACT.md declared once, as data.

:data:`CONTRACT` is the single source of truth: the importer (:mod:`msrwe.io`) generates its
validation from it, :func:`pandera_schema` builds a pandera schema of each stored table from it,
and :func:`contract_markdown` writes ``docs/contract.md`` from it. The chart vocabularies
(:data:`PHENOTYPES`, :data:`ROUTES`, :data:`STOP_REASONS`, ...) are declared here and imported
from here everywhere, and so are the store's bookkeeping tables (:data:`BOOKKEEPING`:
``quarantine``, ``import_warnings``, ``import_log``).

Examples
--------
>>> from msrwe.schema import CONTRACT
>>> CONTRACT.names[:3]
('patients', 'visits', 'relapses')
>>> CONTRACT["treatments"].row_rules[0].rule
'stop_before_start'
"""

from msrwe.schema._bookkeeping import BOOKKEEPING, PROBLEM_COLUMNS, StoreTable
from msrwe.schema._contract import (
    CONTRACT,
    OUTCOMES,
    PHENOTYPE_ALIASES,
    PHENOTYPES,
    RELATEDNESS,
    ROUTES,
    SERIOUS_CRITERIA,
    STOP_REASONS,
)
from msrwe.schema._docs import column_rule_text, contract_markdown
from msrwe.schema._model import DTYPES, Column, Contract, DateOrder, DType, OnlyWhen, Table
from msrwe.schema._pandera import POLARS_TYPES, pandera_schema

__all__ = [
    "BOOKKEEPING",
    "CONTRACT",
    "DTYPES",
    "OUTCOMES",
    "PHENOTYPES",
    "PHENOTYPE_ALIASES",
    "POLARS_TYPES",
    "PROBLEM_COLUMNS",
    "RELATEDNESS",
    "ROUTES",
    "SERIOUS_CRITERIA",
    "STOP_REASONS",
    "Column",
    "Contract",
    "DType",
    "DateOrder",
    "OnlyWhen",
    "StoreTable",
    "Table",
    "column_rule_text",
    "contract_markdown",
    "pandera_schema",
]
