"""The bibliography: reading, writing and judging BibTeX entries.

The reader (lexer, entry reader, recovery), names, LaTeX decoding, entry types, crossref and
xdata inheritance, key patterns and the key index, identity (DOI, title, first author) and the
lossless formatter ``fmt``. May import :mod:`bibkit.model` and :mod:`bibkit.infra`.
"""
