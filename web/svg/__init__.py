"""Pictures drawn on the server as SVG: shared by the pages and the PDF reports."""
