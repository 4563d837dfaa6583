"""Great Expectations quality gates over the raw inputs and the marts (suites kept as code).

``python -m engagement.quality --duckdb PATH --raw-root DIR --out DIR`` validates both layers, writes one
JSON file per suite, ``summary.json`` and ``index.html``, and exits non-zero when a critical expectation
fails. The same is available from Python: ``run_quality(...)`` then ``raise_for_critical(run)``.
"""

from engagement.quality.run import (
    CriticalExpectationFailed,
    QualityRun,
    raise_for_critical,
    run_quality,
)

__all__ = ["CriticalExpectationFailed", "QualityRun", "raise_for_critical", "run_quality"]
