"""The BibTeX-style engine: pybtex's ``plain``, ``unsrt``, ``alpha``, ``unsrtalpha`` and style plugins.

pybtex raises ``FieldIsMissing`` when an entry lacks a field its template requires; we render such
an entry with a lenient template (every part optional) and report a warning instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bibkit.bib.latex import undotted_accents
from bibkit.formatting.safe_links import harden_pybtex_backend, unlink_unsafe_richtext
from bibkit.model import PERSON_FIELDS, Entry

_BACKENDS = {"text": "text", "markdown": "markdown", "html": "html", "latex": "latex"}


@dataclass
class PybtexRendered:
    """Rendered entries in the style's order, keyed by citation key, plus located warnings."""

    order: list[str]
    texts: dict[str, str]
    labels: dict[str, str]
    warnings: list[tuple[Entry, str]] = field(default_factory=list)


def _to_pybtex(entry: Entry):
    from pybtex.database import Entry as PEntry, Person

    fields = {}
    persons: dict[str, list] = {}
    for f in entry.fields:
        name = f.name.lower()
        if name in fields or name in persons:
            continue
        value = undotted_accents(f.value)  # Na\"{\i}ve: pybtex would print Na\"ıve
        if name in PERSON_FIELDS[:3]:
            try:
                persons[name] = [Person(p) for p in _split_and(value)]
            except Exception:  # pybtex refuses odd names: keep the text as a literal
                persons[name] = [Person(last="{" + value + "}")]
        else:
            fields[name] = value
    return PEntry(entry.type.lower(), fields=fields, persons=persons)


def _split_and(value: str) -> list[str]:
    from pybtex.bibtex.utils import split_name_list

    return split_name_list(value)


def _lenient_template(style):
    """Every part optional: what the entry has, in the style's own name format."""
    from pybtex.style.template import field, first_of, join, optional, optional_field, sentence, tag, words

    return join(sep=" ")[
        optional[style.format_names("author")],
        optional[sentence[field("title")]],
        optional[sentence[tag("em")[first_of[optional_field("journal"), optional_field("booktitle")]]]],
        sentence(add_period=True)[
            optional[join["vol. ", field("volume")]],
            optional[join["no. ", field("number")]],
            optional[join["pp. ", field("pages")]],
            first_of[optional_field("publisher"), optional_field("institution"), optional_field("school"),
                     optional_field("organization"), optional_field("howpublished")],
            optional_field("address"),
            words[optional_field("month"), optional_field("year")],
        ],
        optional[sentence[field("note")]],
    ]


def render_pybtex(entries: list[Entry], style_name: str, fmt: str = "text") -> PybtexRendered:
    """Format entries with a pybtex style; an entry that cannot be formatted fully is rendered leniently."""
    from pybtex.database import BibliographyData
    from pybtex.plugin import find_plugin
    from pybtex.richtext import Text
    from pybtex.style import FormattedEntry
    from pybtex.style.template import FieldIsMissing

    style = find_plugin("pybtex.style.formatting", style_name)()
    backend = harden_pybtex_backend(find_plugin("pybtex.backends", _BACKENDS[fmt])(), fmt)
    by_key = {e.key: e for e in entries}
    data = BibliographyData()
    warnings: list[tuple[Entry, str]] = []
    for e in entries:
        try:
            data.add_entry(e.key, _to_pybtex(e))
        except Exception as exc:  # pybtex rejects the entry outright
            warnings.append((e, f"cannot render {e.key} with {style_name}: {exc}"))
    pentries = list(data.entries.values())
    try:
        sorted_entries = list(style.sort(pentries))
    except Exception:
        sorted_entries = pentries
    try:
        labels = list(style.format_labels(sorted_entries))
    except Exception:
        labels = [str(i + 1) for i in range(len(sorted_entries))]
    order, texts, label_map = [], {}, {}
    lenient = _lenient_template(style)
    for label, pe in zip(labels, sorted_entries):
        entry = by_key[pe.key]
        try:
            formatted = style.format_entry(label, pe)
        except FieldIsMissing as exc:
            warnings.append((entry, f"{entry.key} lacks field {exc.field_name} that {style_name} needs; "
                                    "rendered with the fields it has"))
            formatted = FormattedEntry(pe.key, lenient.format_data({"entry": pe, "style": style, "bib_data": None}), label)
        except Exception as exc:
            warnings.append((entry, f"cannot render {entry.key} with {style_name}: {exc}"))
            continue
        text = formatted.text if isinstance(formatted.text, Text) or hasattr(formatted.text, "render") else Text(formatted.text)
        text = unlink_unsafe_richtext(text)
        try:
            rendered = text.render(backend)
        except Exception as exc:
            warnings.append((entry, f"cannot render {entry.key} with {style_name}: {exc}"))
            continue
        order.append(pe.key)
        texts[pe.key] = rendered
        label_map[pe.key] = label
    return PybtexRendered(order, texts, label_map, warnings)
