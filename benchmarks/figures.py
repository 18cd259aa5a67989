"""What the benchmarks report of their samples."""

from __future__ import annotations


def percentile(values: list[float], share: float) -> float:
    """The sample at ``share`` (0.95 for p95) of the way through ``values``, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
