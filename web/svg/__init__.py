"""Pictures made on the server as SVG: the same bytes go into a page and into a PDF report.

``charts`` draws bars, stacked bars, monthly trends, shares and spans of time; every text and
attribute value passes through ``markupsafe.escape``, so names from data stay text.
``evidence`` draws an alert's or a case's evidence as a picture of entities and ties.
"""
