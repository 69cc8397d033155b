"""Synthetic county datasets (合成县域数据) with planted cases of all ten detection rules.

``generate(scale, seed, out_dir)`` writes the canonical tables of shared/spec/input-format.md
with realistic noise, a truth.csv that is exactly what the default rule definitions match
(checked with the independent reference in ``synthetic.reference``), and a README.md.

It is not a way of getting data in (that is ``ingest``): it makes test and demonstration
data for ``lianjian generate``, the notebooks, the benchmarks and the end-to-end tests. It
reads the table and column names from ``ingest/tables.yaml`` and needs no library beyond
the product's own (PyYAML, python-stdnum, pypinyin), so it ships in the same wheel without
an extra; nothing in ingest, graph, analytics or web imports it.
"""
from synthetic.pipeline import GenerationError, GenerationSummary, generate
from synthetic.scales import SCALES

__all__ = ["SCALES", "GenerationError", "GenerationSummary", "generate"]
