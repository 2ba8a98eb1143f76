"""Claims: reading claims.yaml, writing it back with its comments, review decisions and
fingerprints, and the claim map (which claims the sources back).

May import :mod:`bibkit.bib`, :mod:`bibkit.model` and :mod:`bibkit.infra`.
"""
