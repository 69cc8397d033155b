"""Synthetic county datasets (模拟数据) with planted cases of all ten detection rules.

``generate(scale, seed, out_dir)`` writes the canonical tables of shared/spec/input-format.md
with realistic noise, a truth.csv that is exactly what the default rule definitions match
(checked with the independent reference in ``ingest.generate.reference``), and a README.md.
"""
from ingest.generate.pipeline import GenerationError, GenerationSummary, generate
from ingest.generate.scales import SCALES

__all__ = ["SCALES", "GenerationError", "GenerationSummary", "generate"]
