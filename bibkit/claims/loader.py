"""Load ``claims.yaml`` (format version 1) safely, with every problem located by file and line."""

from __future__ import annotations

import datetime
import re
from typing import Any

import yaml

from bibkit.claims.decisions import FINGERPRINT_RE, PARTS
from bibkit.infra.diagnostics import Diagnostics, Severity
from bibkit.infra.files import read_bytes, utf8_problem
from bibkit.model import STANCES, Claim, ClaimSet, Document, Link

FORMAT_VERSION = 1
ID_RE = re.compile(r"^[A-Za-z0-9_.-]+$")
TOP_KEYS = {"version", "document", "claims"}
DOCUMENT_KEYS = {"title", "path"}
CLAIM_KEYS = {"id", "text", "section", "anchor", "tags", "note", "sources"}
LINK_KEYS = {"key", "locator", "stance", "quote", "verified", "note",
             "verified_by", "verified_on", "fingerprint", "review", "reason", "forced"}  # the last six: `bibkit review`
REVIEW_VALUES = ("rejected",)


class _Node:
    """A YAML value with the line it starts on."""

    __slots__ = ("value", "line", "column")

    def __init__(self, value: Any, line: int, column: int) -> None:
        self.value = value
        self.line = line
        self.column = column


#: Bounds on what a claims file may expand to: YAML aliases let a few hundred bytes stand for
#: billions of values ("billion laughs"). A file may expand to this many values more than it has
#: nodes written out (generous for real use of ``&anchor``/``*alias``), and nest this deep.
MAX_ALIAS_EXPANSION = 100_000
MAX_DEPTH = 64

_KIND = {yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list"}
_STR = "tag:yaml.org,2002:str"


class _Expansion:
    """The budget of values one document may expand to, and the nodes being expanded right now."""

    def __init__(self, limit: int) -> None:
        self.left = limit
        self.open: set[int] = set()


def _count_nodes(root: yaml.Node) -> int:
    """How many distinct nodes the composed document has (aliases counted once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(n for pair in node.value for n in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


def _to_nodes(node: yaml.Node, loader: yaml.SafeLoader, budget: _Expansion | None = None, depth: int = 0,
              aliases: bool = True) -> _Node:
    """Turn a composed YAML node into ``_Node`` trees; only safe tags are constructed.

    Raises ``yaml.MarkedYAMLError`` (reported as C001 with a line) for an alias that contains itself,
    for expansion beyond the budget, nesting beyond :data:`MAX_DEPTH`, a duplicate key in a mapping
    and a key that is not a scalar.
    """
    if budget is None:
        # without an alias (the text has no '*') the document is exactly its nodes: nothing to count
        budget = _Expansion(_count_nodes(node) + MAX_ALIAS_EXPANSION if aliases else 1 << 62)
    line, column = node.start_mark.line + 1, node.start_mark.column + 1
    budget.left -= 1
    if budget.left < 0:
        raise yaml.constructor.ConstructorError(
            None, None, f"aliases expand to more than {MAX_ALIAS_EXPANSION:,} values beyond those written "
                        "(a YAML alias bomb?); refusing to read further", node.start_mark)
    if not isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        if node.tag == _STR:  # what SafeConstructor.construct_yaml_str returns, without its machinery
            return _Node(node.value, line, column)
        try:
            value = loader.construct_object(node, deep=True)
        except ValueError:  # a plain scalar that looks like a timestamp but is no date (2026-02-30): keep its text
            value = node.value
        return _Node(value, line, column)
    if id(node) in budget.open:
        raise yaml.constructor.ConstructorError(
            None, None, f"recursive alias: {_KIND[type(node)]} that contains itself", node.start_mark)
    if depth >= MAX_DEPTH:
        raise yaml.constructor.ConstructorError(
            None, None, f"nested more than {MAX_DEPTH} levels deep", node.start_mark)
    expected = "tag:yaml.org,2002:map" if isinstance(node, yaml.MappingNode) else "tag:yaml.org,2002:seq"
    if node.tag != expected:
        raise yaml.constructor.ConstructorError(None, None, f"tag {node.tag!r} is not allowed", node.start_mark)
    budget.open.add(id(node))
    try:
        if isinstance(node, yaml.SequenceNode):
            return _Node([_to_nodes(n, loader, budget, depth + 1) for n in node.value], line, column)
        mapping: dict[str, tuple[_Node, _Node]] = {}
        for knode, vnode in node.value:
            if not isinstance(knode, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, f"a key must be a plain word, not {_KIND[type(knode)]}", knode.start_mark)
            k = _to_nodes(knode, loader, budget, depth + 1)
            name = str(k.value)
            if name in mapping:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {name!r} (first at line {mapping[name][0].line}); "
                                "YAML would silently keep only one", knode.start_mark)
            mapping[name] = (k, _to_nodes(vnode, loader, budget, depth + 1))
        return _Node(mapping, line, column)
    finally:
        budget.open.discard(id(node))


def parse_yaml(text: str, path: str) -> _Node | None:
    """Compose YAML text into located nodes; syntax errors and unsafe tags raise ``yaml.YAMLError``."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)(text)  # libyaml when built in: ~10x faster
    try:
        try:
            root = loader.get_single_node()
        except RecursionError:  # the pure-Python composer recurses per level of nesting
            mark = loader.get_mark() if hasattr(loader, "get_mark") else None
            raise yaml.MarkedYAMLError(problem=f"nested more than {MAX_DEPTH} levels deep",
                                       problem_mark=mark) from None
        return _to_nodes(root, loader, aliases="*" in text) if root is not None else None
    finally:
        loader.dispose()


def load_claims(path: str, diags: Diagnostics) -> ClaimSet:
    """Read a claims file; unreadable files raise :class:`~bibkit.infra.errors.BibkitError`, content problems become diagnostics."""
    data = read_bytes(path, "claims file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column, message = utf8_problem(data, exc)
        diags.add(path, line, column, Severity.ERROR, "C001", f"claims file is {message}")
        return ClaimSet(path)
    return parse_claims(text, path, diags)


def parse_claims(text: str, path: str, diags: Diagnostics) -> ClaimSet:
    """Parse claims YAML text; claims that cannot be read are left out with a located diagnostic."""
    result = ClaimSet(path)
    try:
        root = parse_yaml(text, path)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        diags.add(path, line, column, Severity.ERROR, "C001", f"invalid YAML: {problem}")
        return result
    except yaml.reader.ReaderError as exc:  # a control character: located by its position
        at = min(max(exc.position, 0), len(text))
        line, column = text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1
        diags.add(path, line, column, Severity.ERROR, "C001",
                  f"invalid YAML: character {exc.character!r} is not allowed in YAML")
        return result
    except yaml.YAMLError as exc:
        diags.add(path, 0, 0, Severity.ERROR, "C001", f"invalid YAML: {' '.join(str(exc).split())}")
        return result
    if root is None or root.value is None:
        diags.add(path, 1, 1, Severity.ERROR, "C002", "claims file is empty: expected 'version: 1' and 'claims:'")
        return result
    if not isinstance(root.value, dict):
        diags.add(path, root.line, root.column, Severity.ERROR, "C003", "claims file must be a mapping with 'version' and 'claims'")
        return result
    top = root.value
    _unknown_keys(top, TOP_KEYS, path, diags, "top-level")
    if "version" not in top:
        diags.add(path, 1, 1, Severity.ERROR, "C002", f"missing 'version: {FORMAT_VERSION}'")
    else:
        vnode = top["version"][1]
        if vnode.value != FORMAT_VERSION or isinstance(vnode.value, bool):
            diags.add(path, vnode.line, vnode.column, Severity.ERROR, "C002",
                      f"unsupported claims format version {vnode.value!r} (this bibkit reads version {FORMAT_VERSION})")
            return result
    if "document" in top:
        result.document = _document(top["document"][1], path, diags)
    if "claims" not in top:
        diags.add(path, root.line, root.column, Severity.ERROR, "C003", "missing 'claims:' list")
        return result
    cnode = top["claims"][1]
    if cnode.value is None:
        return result
    if not isinstance(cnode.value, list):
        diags.add(path, cnode.line, cnode.column, Severity.ERROR, "C003", "'claims' must be a list")
        return result
    seen: dict[str, int] = {}
    for item in cnode.value:
        claim = _claim(item, path, diags)
        if claim is None:
            continue
        if claim.id in seen:
            diags.add(path, claim.line, 0, Severity.ERROR, "C005",
                      f"duplicate claim id {claim.id} (first at line {seen[claim.id]})", claim.id)
            continue
        seen[claim.id] = claim.line
        result.claims.append(claim)
    return result


def _unknown_keys(mapping: dict, allowed: set[str], path: str, diags: Diagnostics, where: str) -> None:
    for name, (knode, _) in mapping.items():
        if name not in allowed:
            hint = ", ".join(sorted(allowed))
            diags.add(path, knode.line, knode.column, Severity.WARNING, "C009",
                      f"unknown {where} key {name!r} (ignored; expected one of {hint})")


def _document(node: _Node, path: str, diags: Diagnostics) -> Document:
    if not isinstance(node.value, dict):
        diags.add(path, node.line, node.column, Severity.ERROR, "C003", "'document' must be a mapping")
        return Document()
    _unknown_keys(node.value, DOCUMENT_KEYS, path, diags, "document")
    return Document(
        title=_string(node.value, "title", path, diags),
        path=_string(node.value, "path", path, diags),
    )


def _string(mapping: dict, name: str, path: str, diags: Diagnostics, owner: str | None = None) -> str | None:
    """An optional scalar as text; numbers are accepted as text, lists and mappings are errors."""
    if name not in mapping:
        return None
    node = mapping[name][1]
    if node.value is None:
        return None
    if isinstance(node.value, (dict, list)) or isinstance(node.value, bool):
        diags.add(path, node.line, node.column, Severity.ERROR, "C003", f"'{name}' must be text", owner)
        return None
    return str(node.value)


def _claim(node: _Node, path: str, diags: Diagnostics) -> Claim | None:
    """One claim, or None (with a diagnostic) when it cannot be read."""
    if not isinstance(node.value, dict):
        diags.add(path, node.line, node.column, Severity.ERROR, "C003", "a claim must be a mapping with 'id' and 'text'")
        return None
    m = node.value
    if "id" not in m or m["id"][1].value in (None, ""):
        diags.add(path, node.line, node.column, Severity.ERROR, "C004", "claim without id (left out)")
        return None
    idnode = m["id"][1]
    if isinstance(idnode.value, (dict, list, bool)):
        diags.add(path, idnode.line, idnode.column, Severity.ERROR, "C003", "claim id must be text (claim left out)")
        return None
    cid = str(idnode.value)
    if not ID_RE.match(cid):
        diags.add(path, idnode.line, idnode.column, Severity.ERROR, "C006",
                  f"invalid claim id {cid!r}: use letters, digits, '-', '_' and '.' (claim left out)", cid)
        return None
    _unknown_keys(m, CLAIM_KEYS, path, diags, f"claim {cid}")
    claim = Claim(
        id=cid,
        text=_string(m, "text", path, diags, cid) or "",
        section=_string(m, "section", path, diags, cid),
        anchor=_string(m, "anchor", path, diags, cid),
        note=_string(m, "note", path, diags, cid),
        line=node.line,
    )
    if not claim.text:
        diags.add(path, node.line, node.column, Severity.WARNING, "C003", f"claim {cid} has no text", cid)
    if "tags" in m:
        claim.tags = _tags(m["tags"][1], path, diags, cid)
    if "sources" in m:
        snode = m["sources"][1]
        if snode.value is None:
            pass
        elif not isinstance(snode.value, list):
            diags.add(path, snode.line, snode.column, Severity.ERROR, "C003",
                      f"'sources' of claim {cid} must be a list", cid)
        else:
            for item in snode.value:
                link = _link(item, path, diags, cid)
                if link is not None:
                    claim.links.append(link)
    return claim


def _tags(node: _Node, path: str, diags: Diagnostics, cid: str) -> list[str]:
    if node.value is None:
        return []
    if isinstance(node.value, str):
        return [t.strip() for t in node.value.split(",") if t.strip()]
    if not isinstance(node.value, list) or any(isinstance(t.value, (dict, list)) for t in node.value):
        diags.add(path, node.line, node.column, Severity.ERROR, "C003", f"'tags' of claim {cid} must be a list of words", cid)
        return []
    return [str(t.value) for t in node.value if t.value is not None]


def _link(node: _Node, path: str, diags: Diagnostics, cid: str) -> Link | None:
    """One source link: a mapping with ``key`` or the shorthand plain key."""
    if isinstance(node.value, (str, int)) and not isinstance(node.value, bool):
        return Link(key=str(node.value), line=node.line)
    if not isinstance(node.value, dict):
        diags.add(path, node.line, node.column, Severity.ERROR, "C003",
                  f"a source of claim {cid} must be a key or a mapping with 'key'", cid)
        return None
    m = node.value
    _unknown_keys(m, LINK_KEYS, path, diags, f"source link of claim {cid}")
    key = _string(m, "key", path, diags, cid)
    if not key:
        diags.add(path, node.line, node.column, Severity.ERROR, "C003", f"a source of claim {cid} has no 'key'", cid)
        return None
    stance = "supports"
    if "stance" in m:
        snode = m["stance"][1]
        if snode.value not in STANCES:
            diags.add(path, snode.line, snode.column, Severity.ERROR, "C007",
                      f"unknown stance {snode.value!r} in claim {cid} (expected {', '.join(STANCES)}); read as 'mentions'",
                      cid)
            stance = "mentions"
        else:
            stance = snode.value
    verified = False
    if "verified" in m:
        vnode = m["verified"][1]
        if not isinstance(vnode.value, bool):
            diags.add(path, vnode.line, vnode.column, Severity.ERROR, "C003",
                      f"'verified' in claim {cid} must be true or false", cid)
        else:
            verified = vnode.value
    link = Link(
        key=key,
        stance=stance,
        locator=_string(m, "locator", path, diags, cid),
        quote=_string(m, "quote", path, diags, cid),
        verified=verified,
        note=_string(m, "note", path, diags, cid),
        line=node.line,
    )
    _review_fields(link, m, path, diags, cid)
    return link


def _review_fields(link: Link, m: dict, path: str, diags: Diagnostics, cid: str) -> None:
    """The fields ``bibkit review`` writes on a link, each type-checked (a bad value is an error and left out)."""
    link.verified_by = _string(m, "verified_by", path, diags, cid)
    link.reason = _string(m, "reason", path, diags, cid)
    link.forced = _string(m, "forced", path, diags, cid)
    if "verified_on" in m and m["verified_on"][1].value is not None:
        node = m["verified_on"][1]
        value = node.value
        if isinstance(value, datetime.datetime):
            value = value.date()
        text = value.isoformat() if isinstance(value, datetime.date) else value if isinstance(value, str) else None
        try:
            link.verified_on = datetime.date.fromisoformat(text).isoformat() if text and len(text) == 10 else None
        except ValueError:
            link.verified_on = None
        if link.verified_on is None:
            diags.add(path, node.line, node.column, Severity.ERROR, "C003",
                      f"'verified_on' in claim {cid} must be a date written YYYY-MM-DD, not {value!r}", cid)
    if "fingerprint" in m and m["fingerprint"][1].value is not None:
        node = m["fingerprint"][1]
        text = str(node.value).lower() if isinstance(node.value, str) else ""
        if not FINGERPRINT_RE.match(text):
            diags.add(path, node.line, node.column, Severity.ERROR, "C003",
                      f"'fingerprint' in claim {cid} is not one bibkit review wrote ({len(PARTS) * 4} hex digits); "
                      "the decision is read as stale", cid)
            text = text or str(node.value)
        link.fingerprint = text
    if "review" in m and m["review"][1].value is not None:
        node = m["review"][1]
        if node.value not in REVIEW_VALUES:
            diags.add(path, node.line, node.column, Severity.ERROR, "C003",
                      f"'review' in claim {cid} must be 'rejected' (a verified link says verified: true), "
                      f"not {node.value!r}", cid)
        else:
            link.review = node.value
            if link.verified:
                diags.add(path, node.line, node.column, Severity.ERROR, "C003",
                          f"link to {link.key} in claim {cid} is both verified and rejected; read as rejected", cid)
                link.verified = False


def split_claim_ids(value: str) -> list[str]:
    """The ids in a bibliography entry's ``claims = {a, b; c}`` field."""
    return [p.strip() for p in re.split(r"[,;]", value) if p.strip()]
