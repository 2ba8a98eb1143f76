"""The shipped JSON Schema for claims.yaml (bibkit/schema/), judged by ``jsonschema``, an independent validator.

Two directions: every form bibkit reads without error is accepted (the bundled examples and a file
with every valid form), and every kind of defect ``check`` reports as a C-code error is rejected.
bibkit's own parser is run on the defective files only to confirm that each one is the defect it is
named after; whether the schema accepts a file is decided by jsonschema alone.

Documents are read as an editor's YAML language server reads them (YAML 1.2: a date stays a string),
which is what the schema is for.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from bibkit.claims import loader as claims_module
from bibkit.claims.loader import parse_claims
from bibkit.cli import cli
from bibkit.infra.diagnostics import CODES, Diagnostics, Severity
from bibkit.schema import CLAIMS_MODELINE, CLAIMS_SCHEMA_FILE, load_schema

ROOT = Path(__file__).resolve().parent.parent


class EditorLoader(yaml.SafeLoader):
    """PyYAML's safe loader without the YAML 1.1 timestamp rule, so ``2026-11-28`` stays text as in YAML 1.2."""


EditorLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def editor_data(text: str):
    return yaml.load(text, Loader=EditorLoader)  # noqa: S506 - a SafeLoader subclass


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = load_schema("claims")
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def bibkit_errors(text: str) -> list[str]:
    """The codes of the error diagnostics bibkit's claims parser reports for ``text``."""
    diags = Diagnostics()
    parse_claims(text, "claims.yaml", diags)
    return [d.code for d in diags if d.severity is Severity.ERROR]


def bibkit_findings(text: str) -> list[str]:
    diags = Diagnostics()
    parse_claims(text, "claims.yaml", diags)
    return [f"{d.code} {d.message}" for d in diags if d.severity is not Severity.INFO]


# -- accepts -----------------------------------------------------------------------------------

# The bundled example, the essay example and the test projects that check reads without error
# (tests/data/defects and tests/data/claimmap carry deliberate defects).
EXAMPLES = [ROOT / "claims.yaml", ROOT / "examples" / "great-leap-forward" / "claims.yaml",
            ROOT / "tests" / "data" / "latex" / "claims.yaml", ROOT / "tests" / "data" / "scale" / "claims.yaml"]


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT)))
def test_accepts_the_examples(validator, path):
    text = path.read_text(encoding="utf-8")
    assert bibkit_errors(text) == []
    errors = [e.message for e in validator.iter_errors(editor_data(text))]
    assert errors == []


ALL_FORMS = """\
version: 1
document:
  title: Every form
  path: article.md
claims:
  - id: plain-keys
    text: Links given as plain keys.
    sources: [smil1999, 1987, peng1987]
  - id: stances_and.dots
    text: One link of each stance.
    section: Overview
    anchor: "about 30 million"
    tags: [mortality, 1959, true]
    note: free text
    sources:
      - key: a2001
        stance: supports
        locator: p. 12
        quote: "the passage"
        verified: true
        note: checked twice
      - {key: b2002, stance: contradicts}
      - {key: c2003, stance: qualifies, locator: pp. 3-5}
      - {key: d2004, stance: mentions, verified: false}
  - id: 42
    text: 1959
    tags: mortality, famine
    sources:
  - id: reviewed
    text: Review fields as bibkit review writes them.
    sources:
      - key: a2001
        locator: p. 3
        verified: true
        verified_by: A. Reviewer
        verified_on: 2026-11-28
        fingerprint: 3f9a1c2e00aa11bb22cc
      - key: b2002
        review: rejected
        reason: the page says something else
        verified_by: B. Reviewer
        verified_on: "2026-01-02"
        fingerprint: 3F9A1C2E00AA11BB22CC
      - key: c2003
        verified: false
        review: rejected
  - id: nulls
    text: Optional fields left empty.
    section:
    anchor:
    note:
    tags:
    sources:
      - key: a2001
        locator:
        quote:
        verified_by:
        verified_on:
        fingerprint:
        review:
        reason:
"""


def test_accepts_every_valid_form(validator):
    # bibkit reads it without an error (review fields may be unknown-key warnings before `bibkit review` lands).
    assert bibkit_errors(ALL_FORMS) == []
    review_fields = {"verified_by", "verified_on", "fingerprint", "review", "reason"}
    unexpected = [f for f in bibkit_findings(ALL_FORMS)
                  if not (f.startswith("C009") and any(repr(k) in f for k in review_fields))]
    assert unexpected == []
    assert [e.message for e in validator.iter_errors(editor_data(ALL_FORMS))] == []


def test_an_empty_claims_list_is_accepted(validator):
    for text in ("version: 1\nclaims: []\n", "version: 1\nclaims:\n"):
        assert bibkit_errors(text) == []
        assert validator.is_valid(editor_data(text))


# -- rejects -----------------------------------------------------------------------------------

def claims_doc(body: str) -> str:
    return "version: 1\nclaims:\n" + textwrap.indent(textwrap.dedent(body), "  ")


# (name, file, the C code bibkit reports for it). Each file has exactly that one defect.
DEFECTS = [
    ("empty file", "", "C002"),
    ("missing version", "claims: []\n", "C002"),
    ("version 2", "version: 2\nclaims: []\n", "C002"),
    ("version as text", 'version: "1"\nclaims: []\n', "C002"),
    ("version true", "version: true\nclaims: []\n", "C002"),
    ("not a mapping", "- version: 1\n", "C003"),
    ("missing claims", "version: 1\n", "C003"),
    ("claims not a list", "version: 1\nclaims: {id: a}\n", "C003"),
    ("document not a mapping", "version: 1\ndocument: My article\nclaims: []\n", "C003"),
    ("document title a list", "version: 1\ndocument: {title: [a, b]}\nclaims: []\n", "C003"),
    ("claim not a mapping", claims_doc("- just a sentence\n"), "C003"),
    ("id a list", claims_doc("- id: [a]\n  text: T.\n"), "C003"),
    ("id a boolean", claims_doc("- id: true\n  text: T.\n"), "C003"),
    ("text a mapping", claims_doc("- id: a\n  text: {x: 1}\n"), "C003"),
    ("section a boolean", claims_doc("- id: a\n  text: T.\n  section: false\n"), "C003"),
    ("anchor a list", claims_doc("- id: a\n  text: T.\n  anchor: [x]\n"), "C003"),
    ("note a mapping", claims_doc("- id: a\n  text: T.\n  note: {x: 1}\n"), "C003"),
    ("tags a mapping", claims_doc("- id: a\n  text: T.\n  tags: {x: 1}\n"), "C003"),
    ("tags with a list inside", claims_doc("- id: a\n  text: T.\n  tags: [[x]]\n"), "C003"),
    ("sources a mapping", claims_doc("- id: a\n  text: T.\n  sources: {key: x}\n"), "C003"),
    ("sources a key", claims_doc("- id: a\n  text: T.\n  sources: smil1999\n"), "C003"),
    ("source a boolean", claims_doc("- id: a\n  text: T.\n  sources: [true]\n"), "C003"),
    ("source a float", claims_doc("- id: a\n  text: T.\n  sources: [1.5]\n"), "C003"),
    ("source a list", claims_doc("- id: a\n  text: T.\n  sources: [[x]]\n"), "C003"),
    ("link without key", claims_doc("- id: a\n  text: T.\n  sources:\n    - {locator: p. 1}\n"), "C003"),
    ("link with empty key", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: ''}\n"), "C003"),
    ("link with null key", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: null}\n"), "C003"),
    ("key a list", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: [x]}\n"), "C003"),
    ("verified as text", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified: 'yes'}\n"), "C003"),
    ("verified a number", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified: 1}\n"), "C003"),
    ("locator a mapping", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, locator: {p: 1}}\n"), "C003"),
    ("quote a list", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, quote: [a]}\n"), "C003"),
    ("link note a boolean", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, note: true}\n"), "C003"),
    ("claim without id", claims_doc("- text: T.\n"), "C004"),
    ("empty id", claims_doc("- id: ''\n  text: T.\n"), "C004"),
    ("null id", claims_doc("- id:\n  text: T.\n"), "C004"),
    ("id with a space", claims_doc("- id: my claim\n  text: T.\n"), "C006"),
    ("id with a slash", claims_doc("- id: a/b\n  text: T.\n"), "C006"),
    ("id with an accent", claims_doc("- id: café\n  text: T.\n"), "C006"),
    ("unknown stance", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, stance: agrees}\n"), "C007"),
    ("stance in capitals", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, stance: Supports}\n"), "C007"),
    ("null stance", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, stance: null}\n"), "C007"),
    # The fields `bibkit review` writes (format version 1 since the review work).
    ("verified_on not a date", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified_on: yesterday}\n"),
     "C003"),
    ("verified_on impossible", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified_on: '2026-02-30'}\n"),
     "C003"),
    ("verified_on day first", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified_on: 28/11/2026}\n"),
     "C003"),
    ("fingerprint too short", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, fingerprint: 3f9a1c2e}\n"),
     "C003"),
    ("fingerprint not hex", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, fingerprint: 3f9a1c2e00aa11bb22zz}\n"),
     "C003"),
    ("fingerprint a number", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, fingerprint: 12345678901234567890}\n"),
     "C003"),
    ("review other than rejected", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, review: accepted}\n"),
     "C003"),
    ("verified and rejected", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified: true, review: rejected}\n"),
     "C003"),
    ("verified_by a list", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, verified_by: [a, b]}\n"), "C003"),
    ("reason a mapping", claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, reason: {a: b}}\n"), "C003"),
]
REVIEW_FIELDS = ("verified_on", "fingerprint", "review", "verified_by", "reason")

# C-code errors a schema of one file cannot see, and why; `bibkit check` reports them.
NOT_IN_A_SCHEMA = {
    "C001": "the file is not YAML at all, so there is no data to validate",
    "C005": "a duplicate claim id: JSON Schema cannot compare a property across the items of a list",
    "C008": "a key missing from the bibliography: the schema cannot see references.bib",
    "C010": "an anchor missing from the document: the schema cannot see the document",
    "C013": "the document file does not exist: the schema cannot see the file system",
    "C014": "the document lies outside the project folder: the schema cannot see the file system",
    "C020": "a stale review: the fingerprint is a hash of the claim and link that a schema cannot compute",
    "C021": "a link marked verified by hand is valid data (an info, not an error)",
}
# C codes that are never errors: unknown keys (C009, warning; the schema rejects them so an editor
# flags the typo), claims without sources (C011, info), entries linking unknown claims (C012, warning).
NOT_ERRORS = {"C009", "C011", "C012"}


def _bibkit_reads_review_fields() -> bool:
    return "verified_on" in getattr(claims_module, "LINK_KEYS", ())


@pytest.mark.parametrize("name,text,code", DEFECTS, ids=[d[0] for d in DEFECTS])
def test_rejects_each_defect_check_reports(validator, name, text, code):
    review = any(f in text for f in REVIEW_FIELDS)
    if not review or _bibkit_reads_review_fields():
        # bibkit confirms the file has this defect (and, for review fields, only once bibkit reads them).
        assert code in bibkit_errors(text), (name, bibkit_findings(text))
    data = editor_data(text)
    assert not validator.is_valid(data), f"schema accepts: {name}"


def test_every_c_error_code_is_covered_or_explained():
    c_codes = {c for c in CODES if c.startswith("C")}
    covered = {code for _, _, code in DEFECTS}
    assert c_codes == covered | set(NOT_IN_A_SCHEMA) | NOT_ERRORS, (
        "a new C code: add its defects to DEFECTS (and the schema) or say in NOT_IN_A_SCHEMA why it cannot be there")


def test_unknown_keys_are_rejected_so_editors_flag_typos(validator):
    for text in ("version: 1\nclaim: []\n",
                 claims_doc("- id: a\n  txt: T.\n  text: T.\n"),
                 claims_doc("- id: a\n  text: T.\n  sources:\n    - {key: x, stanse: supports}\n")):
        assert [f for f in bibkit_findings(text) if f.startswith("C009")]
        assert not validator.is_valid(editor_data(text))


def test_the_defects_project_is_rejected(validator):
    text = (ROOT / "tests" / "data" / "defects" / "claims.yaml").read_text(encoding="utf-8")
    errors = {tuple(e.absolute_path): e for e in validator.iter_errors(editor_data(text))}
    # The unknown stance (4th claim, first source) and the claim without an id (5th); the duplicate
    # id and the unknown key are bibkit check's to find.
    assert set(errors) == {("claims", 3, "sources", 0), ("claims", 4)}
    assert any("'agrees' is not one of" in sub.message for sub in errors[("claims", 3, "sources", 0)].context)
    assert errors[("claims", 4)].message == "'id' is a required property"


# -- shipping ----------------------------------------------------------------------------------

def test_bibkit_schema_prints_the_schema_and_its_path(runner, tmp_path):
    result = runner.invoke(cli, ["schema", "claims"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == load_schema("claims")
    path = runner.invoke(cli, ["schema", "claims", "--path"]).stdout.strip()
    assert json.loads(Path(path).read_text(encoding="utf-8")) == load_schema("claims")
    out = tmp_path / "s.json"
    assert runner.invoke(cli, ["schema", "claims", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8")) == load_schema("claims")
    bad = runner.invoke(cli, ["schema", "config"])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


def test_init_writes_the_modeline_and_a_schema_it_resolves_to(runner, tmp_path, monkeypatch, validator):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    claims_text = (tmp_path / "claims.yaml").read_text(encoding="utf-8")
    assert claims_text.splitlines()[0] == CLAIMS_MODELINE
    # The YAML language server resolves a relative $schema against the YAML file's folder.
    target = CLAIMS_MODELINE.split("$schema=", 1)[1]
    resolved = (tmp_path / "claims.yaml").parent / target
    assert resolved.name == CLAIMS_SCHEMA_FILE and resolved.is_file()
    assert json.loads(resolved.read_text(encoding="utf-8")) == load_schema("claims")
    # The file init writes is valid by its own schema and by bibkit.
    assert validator.is_valid(editor_data(claims_text))
    assert bibkit_errors(claims_text) == []
    # A second run keeps every file.
    again = runner.invoke(cli, ["init"])
    assert f"kept {CLAIMS_SCHEMA_FILE}" in again.stdout
