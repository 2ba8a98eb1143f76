"""Evidence: what the sources themselves say, and whether they stand.

Full texts (``fulltext/``: PDF, HTML, plain text), quote matching and ``verify``. Registry lookups
(Crossref, OpenAlex, Retraction Watch) and passage suggestions belong here too. May import
:mod:`bibkit.project`, :mod:`bibkit.config`, :mod:`bibkit.claims`, :mod:`bibkit.bib`,
:mod:`bibkit.model` and :mod:`bibkit.infra`.
"""
