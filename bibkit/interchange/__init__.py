"""Citations in and out: ``export`` (BibTeX, BibLaTeX, CSL-JSON, CSL-YAML, RIS) and ``importer``.

The importer may read manuscripts (citations embedded in Word files); manuscripts never import
the importer. May import :mod:`bibkit.formatting` and every layer below it.
"""
