"""The bibliography: reading, writing and judging BibTeX entries.

The reader (``lexer``, ``reader``, ``recovery``, behind ``bibtex``) and its cache records, names,
LaTeX decoding, entry types, ``crossref`` (BibTeX's crossref and xdata inheritance, not the Crossref
registry), key patterns and the key index, ``identity`` (DOI, title, first author), short
author-year ``citations``, and the lossless formatter ``fmt`` with its ``textdiff``. May import
:mod:`bibkit.model` and :mod:`bibkit.infra`.
"""
