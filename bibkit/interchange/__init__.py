"""Citations in and out: ``export`` (BibTeX, BibLaTeX, CSL-JSON, CSL-YAML, RIS) and ``importer``.

The Word manuscript reader reads embedded CSL items with the importer's reader, so manuscripts sit
above this package (the import of a Word file's sources, ``import --from-manuscript``, is in
:mod:`bibkit.manuscripts`). May import :mod:`bibkit.formatting` and every layer below it.
"""
