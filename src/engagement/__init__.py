"""Engagement segmentation project: the Python side (demo data generator, ML, quality gates, report)."""

__version__ = "0.1.0"
