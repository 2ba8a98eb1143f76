"""Infrastructure: what every layer stands on and nothing bibliographic.

Errors, diagnostics, reading and safely writing files, the on-disk cache store, progress,
templates and running pandoc. Imports nothing else from bibkit.
"""
