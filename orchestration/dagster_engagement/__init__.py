"""Dagster code location for the engagement dbt project (see orchestration/README.md)."""
