"""One router per resource; each route takes its context from ``web.context``."""
