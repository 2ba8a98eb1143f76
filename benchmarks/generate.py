"""Synthetic bibliographies and claims files for the benchmarks (deterministic: same seed, same bytes).

Realistic shape: 1-12 authors per entry with LaTeX accents, ``@string`` journal macros, months as
macros, 15% of entries with an abstract, a mix of entry types. Also the pathological files that
must stay linear: one 50 MB field, 100k ``@string`` macros, 10k authors in one entry.

    python benchmarks/generate.py --entries 100000 -o bench-100k.bib --claims 10000
    python benchmarks/generate.py --pathological DIR

``--profile long-records`` gives every entry a 150-300-word abstract and 15-18 fields (272 MB for
100k entries). ``--abstract-share F`` keeps those long records for a share F of the entries and
makes the others lean records of 15-16 short fields (what a reference manager exports without an
abstract); ``--abstract-share 0.02`` is issue 14's shape, 100k entries in about 44 MB:

    python benchmarks/generate.py --entries 100000 --profile long-records --abstract-share 0.02 \
        -o lr100k.bib --claims 10000 --claims-output lr100k-claims.yaml
"""

from __future__ import annotations

import argparse
import os
import random

GIVEN = ["Ana", "Bj{\\\"o}rn", "Chlo{\\'e}", "Dami{\\'a}n", "{\\'E}mile", "Fran{\\c{c}}ois", "G{\\\"u}nter",
         "H{\\'e}l{\\`e}ne", "Ines", "J{\\o}rgen", "Kai", "Lu{\\'\\i}s", "Marta", "Nu{\\~n}o", "Ole", "Pawe{\\l}",
         "Qing", "Ren{\\'e}", "S{\\o}ren", "Tom{\\'a}{\\v{s}}", "Ulla", "V{\\'a}clav", "Wei", "Xavier", "Yusuf",
         "Zo{\\\"e}", "J. R.", "M.-C.", "Li", "Mar{\\'\\i}a Jos{\\'e}"]
FAMILY = ["M{\\\"u}ller", "Garc{\\'\\i}a", "Smith", "Nguyen", "{\\O}stergaard", "Dvo{\\v{r}}{\\'a}k", "Kowalski",
          "{van der} Berg", "de la Cruz", "L{\\'o}pez", "Zhang", "Sch{\\\"o}nberg", "Ibrahim", "O'Brien",
          "{\\L}ukasiewicz", "Andersson", "Fran{\\c{c}}ois", "Tanaka", "Rossi", "Erd{\\H{o}}s", "Kim",
          "Papadopoulos", "Novak", "Jensen", "Silva", "Wang", "Chen", "Okafor", "Hern{\\'a}ndez", "Dubois"]
WORDS = ("learning model data neural language analysis method approach network system evaluation "
         "structure graph inference bayesian translation corpus parsing semantic representation robust "
         "efficient large scale towards understanding study effects famine agriculture policy history "
         "economic growth measurement survey estimation regional mortality population dynamics").split()
JOURNALS = [("acl", "Computational Linguistics"), ("tacl", "Transactions of the ACL"),
            ("jmlr", "Journal of Machine Learning Research"), ("nature", "Nature"),
            ("pdr", "Population and Development Review"), ("cq", "The China Quarterly"),
            ("jas", "Journal of Asian Studies"), ("aer", "American Economic Review")]
MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]


def _title(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), "{" + rng.choice(["BERT", "LSTM", "GDP", "China", "CRF"]) + "}")
    return " ".join(words)


#: ``dense-authors``: about 20 family names and few years, so author-year collisions are common.
DENSE_FAMILY = FAMILY[:20]
PROFILES = ("default", "dense-authors", "long-records")


def _authors(rng: random.Random, n: int, family: list[str] = FAMILY) -> str:
    names = []
    for _ in range(n):
        if rng.random() < 0.7:
            names.append(f"{rng.choice(family)}, {rng.choice(GIVEN)}")
        else:
            names.append(f"{rng.choice(GIVEN)} {rng.choice(family)}")
    return " and ".join(names)


def _abstract(rng: random.Random, words: int) -> str:
    """About ``words`` words of sentences."""
    out: list[str] = []
    while sum(len(s.split()) for s in out) < words:
        out.append(_title(rng, rng.randint(10, 20)) + ".")
    return " ".join(out)


def _issn(i: int) -> str:
    """A well-formed ISSN (its check digit right) that varies with ``i``."""
    digits = f"{1000000 + i % 9000000:07d}"
    check = (11 - sum((8 - k) * int(c) for k, c in enumerate(digits)) % 11) % 11
    return f"{digits[:4]}-{digits[4:]}{'X' if check == 10 else check}"


def lean_entry(rng: random.Random, i: int) -> str:
    """A long-records entry without an abstract: 15-16 fields, every value short."""
    year = rng.randint(1950, 2024)
    key = f"e{i}{rng.choice(['', 'a', 'b'])}{year}"
    lines = [f"  author = {{{_authors(rng, min(3, int(rng.expovariate(1 / 0.5)) + 1))}}}",
             f"  title = {{{_title(rng, rng.randint(3, 6))}}}"]
    kind = rng.random()
    if kind < 0.6:
        typ = "article"
        lines += [f"  journal = {rng.choice(JOURNALS)[0]}", f"  volume = {rng.randint(1, 80)}",
                  f"  number = {rng.randint(1, 12)}", f"  pages = {{{(p := rng.randint(1, 900))}--{p + rng.randint(1, 40)}}}"]
    elif kind < 0.9:
        typ = "inproceedings"
        lines += [f"  booktitle = {{Proc. {rng.choice(['ACL', 'EMNLP', 'ICML', 'AAAI'])}}}",
                  f"  pages = {{{(p := rng.randint(1, 900))}--{p + rng.randint(1, 12)}}}", "  publisher = {ACL}",
                  "  address = {Online}"]
    else:
        typ = "book"
        lines += ["  publisher = {OUP}", "  address = {Oxford}", f"  edition = {rng.randint(1, 4)}",
                  f"  pagetotal = {rng.randint(90, 600)}"]
    lines += [f"  year = {year}", f"  month = {rng.choice(MONTHS)}", f"  doi = {{10.{rng.randint(1000, 9999)}/{i}}}",
              f"  keywords = {{{rng.choice(WORDS)}}}", "  language = {en}", f"  issn = {{{_issn(i)}}}",
              f"  file = {{{key}.pdf}}", f"  timestamp = {{2024-0{1 + i % 9}-1{i % 10}}}", f"  owner = {{r{i % 7}}}"]
    if rng.random() < 0.2:
        lines.append(f"  url = {{https://ex.org/{i}}}")
    return f"@{typ}{{{key},\n" + ",\n".join(lines) + "\n}\n"


def entry(rng: random.Random, i: int, profile: str = "default", abstract_share: float = 1.0) -> str:
    """One realistic entry with key ``e{i}...``, shaped by the profile (see ``PROFILES``).

    ``abstract_share`` (long-records only): the chance that the entry is a long record with an
    abstract rather than a lean one; at 1 no random number is drawn for it, so the output is the
    same as before the option existed.
    """
    if profile == "long-records" and abstract_share < 1 and rng.random() >= abstract_share:
        return lean_entry(rng, i)
    dense = profile == "dense-authors"
    year = rng.randint(2015, 2020) if dense else rng.randint(1950, 2024)
    n_authors = min(12, max(1, int(rng.expovariate(1 / (1.5 if dense else 3))) + 1))
    kind = rng.random()
    key = f"e{i}{rng.choice(['', 'a', 'b'])}{year}"
    lines = [f"  author = {{{_authors(rng, n_authors, DENSE_FAMILY if dense else FAMILY)}}}",
             f"  title = {{{_title(rng, rng.randint(4, 14))}}}"]
    if kind < 0.5:
        typ = "article"
        macro = rng.choice(JOURNALS)[0]
        lines += [f"  journal = {macro}", f"  volume = {rng.randint(1, 80)}", f"  number = {rng.randint(1, 12)}",
                  f"  pages = {{{(p := rng.randint(1, 900))}--{p + rng.randint(1, 40)}}}"]
    elif kind < 0.85:
        typ = "inproceedings"
        lines += [f"  booktitle = {{Proceedings of the {rng.randint(1, 60)}th Annual Meeting on {_title(rng, 3)}}}",
                  f"  pages = \"{(p := rng.randint(1, 900))}--{p + rng.randint(1, 12)}\"",
                  "  publisher = {Association for Computational Linguistics}", "  address = {Online}"]
    else:
        typ = "book"
        lines += ["  publisher = {Oxford University Press}", "  address = {Oxford}"]
    lines.append(f"  year = {year}" if rng.random() < 0.5 else f"  year = {{{year}}}")
    if rng.random() < 0.4:
        lines.append(f"  month = {rng.choice(MONTHS)}")
    if rng.random() < 0.6:
        lines.append(f"  doi = {{10.{rng.randint(1000, 99999)}/{typ[:3]}.{year}.{i}}}")
    if rng.random() < 0.3:
        lines.append(f"  url = {{https://example.org/papers/{i}.pdf}}")
    if rng.random() < 0.15:
        sentences = " ".join(_title(rng, rng.randint(10, 20)) + "." for _ in range(rng.randint(3, 6)))
        lines.append(f"  abstract = {{{sentences}}}")
    if rng.random() < 0.1:
        lines.append(f"  keywords = {{{rng.choice(WORDS)}, {rng.choice(WORDS)}}}")
    if profile == "long-records":
        lines = [line for line in lines if not line.lstrip().startswith(("abstract", "keywords", "url", "doi"))]
        lines += [f"  abstract = {{{_abstract(rng, rng.randint(150, 300))}}}",
                  f"  keywords = {{{', '.join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))}}}",
                  f"  url = {{https://example.org/papers/{i}}}", f"  doi = {{10.{rng.randint(1000, 99999)}/r.{i}}}",
                  f"  file = {{:papers/{key}.pdf:PDF}}", f"  language = {{english}}", f"  issn = {{1234-{i % 10000:04d}}}",
                  f"  note = {{{_title(rng, rng.randint(3, 8))}}}", f"  timestamp = {{2024-0{1 + i % 9}-1{i % 10}}}",
                  f"  owner = {{reader{i % 7}}}"]
    return f"@{typ}{{{key},\n" + ",\n".join(lines) + "\n}\n"


def bibliography(n: int, seed: int = 7, profile: str = "default", abstract_share: float = 1.0) -> str:
    """A bibliography of ``n`` entries preceded by the ``@string`` macros they use."""
    rng = random.Random(seed)
    out = ["% synthetic bibliography generated by benchmarks/generate.py\n"]
    out += [f"@string{{{m} = {{{name}}}}}\n" for m, name in JOURNALS]
    out.append("\n")
    out += [entry(rng, i, profile, abstract_share) + "\n" for i in range(n)]
    return "".join(out)


def keys_of(text: str) -> list[str]:
    """The entry keys of a generated bibliography (cheap: they follow ``@type{``)."""
    import re

    return re.findall(r"^@(?!string)\w+\{([^,\s]+),", text, re.M)


def claims(keys: list[str], n: int, seed: int = 11) -> str:
    """A claims.yaml (format 1) with ``n`` claims, each linking 0-3 of ``keys`` with mixed stances."""
    rng = random.Random(seed)
    out = ["version: 1\n", "document:\n  title: Synthetic benchmark document\n", "claims:\n"]
    stances = ["supports"] * 6 + ["contradicts", "qualifies", "mentions"]
    for i in range(n):
        out.append(f"  - id: claim-{i}\n    text: \"{_title(rng, rng.randint(6, 16)).replace(chr(92), '')}\"\n")
        if rng.random() < 0.3:
            out.append(f"    tags: [{rng.choice(WORDS)}]\n")
        n_links = rng.choice([0, 1, 1, 1, 2, 2, 3])
        if n_links:
            out.append("    sources:\n")
        for _ in range(n_links):
            key = rng.choice(keys)
            if rng.random() < 0.4:
                out.append(f"      - {key}\n")
            else:
                out.append(f"      - key: {key}\n        stance: {rng.choice(stances)}\n"
                           f"        locator: p. {rng.randint(1, 400)}\n"
                           f"        verified: {'true' if rng.random() < 0.3 else 'false'}\n")
    return "".join(out)


def huge_field(megabytes: int = 50) -> str:
    """One entry whose abstract is ``megabytes`` MB long (braces nested a little all along)."""
    chunk = "Words of a very long abstract with {Nested} braces and \\'e accents. "
    body = chunk * (megabytes * 1024 * 1024 // len(chunk))
    return ("@article{huge,\n  author = {Long, Anna},\n  title = {A huge field},\n  journal = {J},\n"
            f"  year = 2000,\n  abstract = {{{body}}}\n}}\n")


def many_macros(n: int = 100_000) -> str:
    """``n`` ``@string`` macros, then entries that use some of them."""
    out = [f"@string{{m{i} = {{Macro value number {i}}}}}\n" for i in range(n)]
    out += [f"@misc{{k{i},\n  title = m{i} # {{ and more}},\n  howpublished = m{n - 1 - i}\n}}\n"
            for i in range(0, n, 100)]
    return "".join(out)


def many_authors(n: int = 10_000, seed: int = 3) -> str:
    """One entry with ``n`` authors."""
    rng = random.Random(seed)
    return (f"@article{{crowd,\n  author = {{{_authors(rng, n)}}},\n  title = {{Everyone}},\n"
            "  journal = {Big Science},\n  year = 2020\n}\n")


def write(path: str, text: str) -> None:
    """Write UTF-8 text."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--entries", type=int, default=1000)
    p.add_argument("-o", "--output", default=None, help="bibliography path (default bench-<n>.bib)")
    p.add_argument("--claims", type=int, default=0, help="also write a claims file with this many claims")
    p.add_argument("--claims-output", default=None)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--profile", choices=PROFILES, default="default",
                   help="default; dense-authors (about 20 family names, 6 years: many author-year collisions); "
                        "long-records (150-300-word abstracts, keywords, url, doi, file: 15-20 fields)")
    p.add_argument("--abstract-share", type=float, default=1.0, metavar="F",
                   help="long-records: the share of entries (0-1) that are long records with an abstract; the "
                        "others are lean records of 15-16 short fields (default 1; 0.02 gives issue 14's shape, "
                        "100k entries in about 44 MB)")
    p.add_argument("--pathological", metavar="DIR", help="write huge-field.bib, many-macros.bib, many-authors.bib")
    args = p.parse_args(argv)
    if not 0 <= args.abstract_share <= 1:
        p.error("--abstract-share must be from 0 to 1")
    if args.abstract_share < 1 and args.profile != "long-records":
        p.error("--abstract-share applies to --profile long-records")
    if args.pathological:
        os.makedirs(args.pathological, exist_ok=True)
        write(os.path.join(args.pathological, "huge-field.bib"), huge_field())
        write(os.path.join(args.pathological, "many-macros.bib"), many_macros())
        write(os.path.join(args.pathological, "many-authors.bib"), many_authors())
        return
    out = args.output or f"bench-{args.entries}.bib"
    text = bibliography(args.entries, args.seed, args.profile, args.abstract_share)
    write(out, text)
    if args.claims:
        cpath = args.claims_output or os.path.splitext(out)[0] + "-claims.yaml"
        write(cpath, claims(keys_of(text), args.claims))


if __name__ == "__main__":
    main()
