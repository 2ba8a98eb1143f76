"""Infrastructure: what every layer stands on, with nothing bibliographic in it.

Errors, diagnostics, reading files and writing them safely (``output``), the on-disk cache store,
progress reporting and the Jinja2 templates. It may import nothing else from bibkit (the version
from the package root aside).
"""
