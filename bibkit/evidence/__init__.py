"""Evidence: the sources' own texts and what they say.

Full texts (PDF, HTML, plain text), quote matching and ``verify``. Registry lookups and passage
suggestions belong here too. May import :mod:`bibkit.project`, :mod:`bibkit.manuscripts`,
:mod:`bibkit.claims`, :mod:`bibkit.bib` and below.
"""
