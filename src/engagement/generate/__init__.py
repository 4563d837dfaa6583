"""Data generator: a believable B2B SaaS's raw exports (the raw data contract) plus planted truth.

Run ``python -m engagement.generate --help``. The package is organised by responsibility:
``catalog`` (tracking plan, plans, value lists), ``archetypes`` (behaviour profiles), ``population``
(accounts, users), ``experiments``, ``activity`` (events), ``health`` (latent health, churn model),
``billing``, ``support``, ``dirty`` (dirty-data injection), ``defects`` (feed defects on demand: a
silent milestone, an outage, an event that stops), ``writer`` (Parquet output) and ``simulation`` (the
week-by-week orchestrator). ``catalog.PRODUCTS`` holds the demo product and ``alt``, another company on
the same contract (``--product alt``).
"""

from engagement.generate.config import GeneratorConfig
from engagement.generate.simulation import Summary, generate

__all__ = ["GeneratorConfig", "Summary", "generate"]
