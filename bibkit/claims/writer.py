"""Edit ``claims.yaml`` in place, keeping the user's file: comments, key order, quoting, blank lines.

bibkit never re-dumps a claims file. It reads the exact position of every node (PyYAML's marks),
turns each change into a splice of the original text (replace one value, insert a line, delete a
line) and leaves every other byte as it was, so a review decision changes only the lines of the
link it decided. (A round-trip dumper such as ruamel.yaml re-indents the whole document when
sequences are indented in more than one way, which real files do; splicing cannot.)

After splicing, the new text is read back and compared with the data the edits were meant to
produce; any difference is an error and nothing is written.

Layouts handled: block mappings (values replaced where they stand, new keys appended as lines
under the last key of the mapping, at its indentation); a shorthand link ``- smil1999`` becomes
``- key: smil1999`` with the new keys under it (its comment stays on its line); a link in flow
style (``{key: a, locator: p. 3}`` or an item of ``[a, b]``) stays a one-line flow mapping.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass
from typing import Any, Callable

import yaml

from bibkit.infra.errors import BibkitError

_PLAIN = re.compile(r"[^\W_][\w ./'()+-]*")
_UNSAFE_IN_JSON = {"\u2028": "\\u2028", "\u2029": "\\u2029", "\u0085": "\\u0085", "\ufeff": "\\ufeff"}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built in; its marks count characters too
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE  # what YAML readers refuse to see raw
MISSING = object()
#: The document title of the claims file ``bibkit init`` writes: a placeholder that ``claims extract
#: --update`` replaces with the manuscript's title.
PLACEHOLDER_TITLE = "My article"


def render_scalar(value: Any, flow: bool = True) -> str:
    """A YAML scalar for ``value`` that reads back as exactly ``value``: plain when that is safe, else quoted.

    ``flow=True`` (the default) gives text that is also safe inside ``{...}`` and ``[...]``.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if text and text == text.strip() and "\n" not in text and "  " not in text and (
            _PLAIN.fullmatch(text) or not flow):
        probe = "[{k: %s}]" % text if flow else "k: %s\n" % text
        try:
            if yaml.safe_load(probe) == ([{"k": text}] if flow else {"k": text}):
                return text
        except yaml.YAMLError:
            pass
    quoted = json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted scalar
    for ch, esc in _UNSAFE_IN_JSON.items():
        quoted = quoted.replace(ch, esc)
    return _NON_PRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group()) if ord(m.group()) < 0x10000
                              else "\\U%08x" % ord(m.group()), quoted)


@dataclass
class _Splice:
    start: int
    end: int
    text: str
    order: int


class ClaimsEditor:
    """A claims file's text with pending edits; :meth:`result` applies them and checks the outcome."""

    def __init__(self, text: str, path: str = "claims.yaml") -> None:
        self.path = path
        self.bom = text.startswith("\ufeff")
        self.text = text[1:] if self.bom else text
        self.newline = "\r\n" if "\r\n" in self.text else "\n"
        try:
            loader = _LOADER(self.text)
            try:
                self.root = loader.get_single_node()
                self.expected = loader.construct_document(self.root) if self.root is not None else None
            finally:
                loader.dispose()
        except yaml.YAMLError as exc:
            raise BibkitError(f"{path}: cannot edit: the file is not valid YAML ({' '.join(str(exc).split())})") from None
        if not isinstance(self.root, yaml.MappingNode) or not isinstance(self.expected, dict):
            raise BibkitError(f"{path}: cannot edit: not a claims file (expected a mapping with 'claims')")
        self.splices: list[_Splice] = []
        self._touched: set[int] = set()

    # -- finding nodes ---------------------------------------------------------------------------

    @staticmethod
    def _get(node: yaml.MappingNode, name: str) -> tuple[yaml.Node, yaml.Node] | None:
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == name:
                return k, v
        return None

    def _claims(self) -> yaml.SequenceNode:
        pair = self._get(self.root, "claims")
        if pair is None or not isinstance(pair[1], yaml.SequenceNode):
            raise BibkitError(f"{self.path}: cannot edit: no 'claims' list")
        return pair[1]

    def _claim(self, claim_id: str) -> tuple[int, yaml.MappingNode]:
        for i, node in enumerate(self._claims().value):
            if isinstance(node, yaml.MappingNode):
                pair = self._get(node, "id")
                if pair is not None and isinstance(pair[1], yaml.ScalarNode) and pair[1].value == claim_id:
                    return i, node
        raise BibkitError(f"{self.path}: no claim with id {claim_id}")

    def _link(self, claim_id: str, key: str, index: int = 0) -> tuple[int, int, yaml.Node, yaml.SequenceNode]:
        ci, claim = self._claim(claim_id)
        pair = self._get(claim, "sources")
        if pair is None or not isinstance(pair[1], yaml.SequenceNode):
            raise BibkitError(f"{self.path}: claim {claim_id} has no link to {key}")
        seen = 0
        for li, item in enumerate(pair[1].value):
            item_key = None
            if isinstance(item, yaml.ScalarNode):
                item_key = item.value
            elif isinstance(item, yaml.MappingNode):
                kp = self._get(item, "key")
                if kp is not None and isinstance(kp[1], yaml.ScalarNode):
                    item_key = kp[1].value
            if item_key == key:
                if seen == index:
                    return ci, li, item, pair[1]
                seen += 1
        raise BibkitError(f"{self.path}: claim {claim_id} has no link to {key}")

    # -- text helpers ----------------------------------------------------------------------------

    def _splice(self, start: int, end: int, text: str) -> None:
        for s in self.splices:
            if start < s.end and s.start < end:
                raise BibkitError(f"{self.path}: cannot edit: two changes to the same place")
        self.splices.append(_Splice(start, end, text, len(self.splices)))

    def _blank_before(self, index: int) -> bool:
        """True when the line above the one holding ``index`` is blank (items separated by blank lines)."""
        start = self._line_start(index)
        while start > 0:
            above = self.text.rfind("\n", 0, start - 1) + 1
            line = self.text[above:start].strip()
            if not line:
                return True
            if not line.startswith("#"):
                return False
            start = above  # a comment line above the item: look above it
        return False

    def _line_start(self, index: int) -> int:
        return self.text.rfind("\n", 0, index) + 1

    def _after_line(self, index: int) -> int:
        """The index just after the line break of the line holding ``index`` (a line start stays put)."""
        if index > 0 and self.text[index - 1] == "\n":
            return index
        nl = self.text.find("\n", index)
        return len(self.text) if nl < 0 else nl + 1

    def _insert_lines(self, at: int, lines: list[str]) -> None:
        nl = self.newline
        text = "".join(line + nl for line in lines)
        if at == len(self.text) and self.text and not self.text.endswith("\n"):
            text = nl + text[: -len(nl)]
        self._splice(at, at, text)

    @staticmethod
    def _value_end(node: yaml.Node) -> int:
        """Where a node's text ends (a block mapping ends where its last value ends)."""
        if isinstance(node, yaml.MappingNode) and node.flow_style is not True and node.value:
            return ClaimsEditor._value_end(node.value[-1][1])
        if isinstance(node, yaml.SequenceNode) and node.flow_style is not True and node.value:
            return ClaimsEditor._value_end(node.value[-1])
        return node.end_mark.index

    def _replace_value(self, vnode: yaml.Node, value: Any, flow: bool = False) -> None:
        start, end = vnode.start_mark.index, self._value_end(vnode)
        text = render_scalar(value, flow=flow)
        if isinstance(vnode, yaml.ScalarNode) and vnode.style in ("|", ">") and self.text[end - 1:end] == "\n":
            text += self.newline
        if isinstance(vnode, yaml.ScalarNode) and vnode.value == "" and not vnode.style and start == end:
            text = " " + text if self.text[start - 1:start] == ":" else text
        self._splice(start, end, text)

    # -- editing ---------------------------------------------------------------------------------

    def _edit_block_mapping(self, node: yaml.MappingNode, updates: dict[str, Any]) -> None:
        """Set or remove keys of a block mapping, touching only their lines."""
        column = node.value[0][0].start_mark.column
        new_lines = []
        pairs = node.value
        for name, value in updates.items():
            found = None
            for i, (k, v) in enumerate(pairs):
                if isinstance(k, yaml.ScalarNode) and k.value == name:
                    found = i
            if found is not None:
                k, v = pairs[found]
                if value is MISSING:
                    if found == 0:
                        if len(pairs) == 1:
                            raise BibkitError(f"{self.path}: cannot remove the only key of a mapping")
                        self._splice(k.start_mark.index, pairs[1][0].start_mark.index, "")
                    else:
                        self._splice(self._line_start(k.start_mark.index), self._after_line(self._value_end(v)), "")
                elif not isinstance(v, yaml.ScalarNode):
                    raise BibkitError(f"{self.path}:{k.start_mark.line + 1}: cannot set {name}: it is not a single value")
                else:
                    self._replace_value(v, value)
            elif value is not MISSING:
                new_lines.append(" " * column + f"{name}: {render_scalar(value, flow=False)}")
        if new_lines:
            self._insert_lines(self._after_line(self._value_end(node)), new_lines)

    def _flow_pairs(self, node: yaml.Node) -> list[tuple[str, str]]:
        """A link's key/value pairs as written (original text), for rewriting it as a flow mapping."""
        if isinstance(node, yaml.ScalarNode):
            return [("key", self.text[node.start_mark.index:node.end_mark.index])]
        out = []
        for k, v in node.value:
            out.append((self.text[k.start_mark.index:k.end_mark.index],
                        self.text[v.start_mark.index:self._value_end(v)]))
        return out

    def _edit_flow(self, node: yaml.Node, updates: dict[str, Any]) -> None:
        """Rewrite a flow-style (or flow-context) link as a one-line flow mapping with the updates."""
        pairs = self._flow_pairs(node)
        names = [yaml.safe_load(k) for k, _ in pairs]
        for name, value in updates.items():
            if name in names:
                i = names.index(name)
                if value is MISSING:
                    del pairs[i], names[i]
                else:
                    pairs[i] = (pairs[i][0], render_scalar(value))
            elif value is not MISSING:
                pairs.append((name, render_scalar(value)))
                names.append(name)
        # A value written over several lines keeps its lines: it starts where the mapping started, so its
        # continuation lines stay validly indented (the read-back check in result() confirms it).
        text = "{" + ", ".join(f"{k}: {v}" for k, v in pairs) + "}"
        self._splice(node.start_mark.index, self._value_end(node), text)

    def _edit_shorthand(self, node: yaml.ScalarNode, updates: dict[str, Any]) -> None:
        """``- smil1999`` becomes ``- key: smil1999`` with the updates as lines under it."""
        column = node.start_mark.column
        self._splice(node.start_mark.index, node.end_mark.index,
                     "key: " + self.text[node.start_mark.index:node.end_mark.index])
        lines = [" " * column + f"{name}: {render_scalar(v, flow=False)}" for name, v in updates.items()
                 if v is not MISSING]
        if lines:
            self._insert_lines(self._after_line(node.end_mark.index), lines)

    def _edit_mapping_or_scalar(self, node: yaml.Node, parent: yaml.Node, updates: dict[str, Any]) -> None:
        if id(node) in self._touched:
            raise BibkitError(f"{self.path}: cannot edit the same link twice in one write")
        self._touched.add(id(node))
        flow = getattr(parent, "flow_style", False) is True or getattr(node, "flow_style", False) is True
        if isinstance(node, yaml.MappingNode) and not flow and node.value:
            self._edit_block_mapping(node, updates)
        elif flow or isinstance(node, yaml.MappingNode):
            self._edit_flow(node, updates)
        else:
            self._edit_shorthand(node, updates)

    def update_link(self, claim_id: str, key: str, updates: dict[str, Any], index: int = 0) -> None:
        """Set fields of the ``index``-th link to ``key`` in a claim (``MISSING`` removes a field)."""
        ci, li, node, seq = self._link(claim_id, key, index)
        if isinstance(node, yaml.ScalarNode) and all(v is MISSING for v in updates.values()):
            return  # removing fields from a shorthand link: nothing to remove
        self._edit_mapping_or_scalar(node, seq, updates)
        link = self.expected["claims"][ci]["sources"][li]
        if not isinstance(link, dict):
            link = self.expected["claims"][ci]["sources"][li] = {"key": link}
        for name, value in updates.items():
            if value is MISSING:
                link.pop(name, None)
            else:
                link[name] = value

    def update_claim(self, claim_id: str, updates: dict[str, Any]) -> None:
        """Set fields of a claim (``text``, ``anchor``, ``section``...); ``MISSING`` removes one."""
        ci, node = self._claim(claim_id)
        self._edit_mapping_or_scalar(node, self._claims(), updates)
        for name, value in updates.items():
            if value is MISSING:
                self.expected["claims"][ci].pop(name, None)
            else:
                self.expected["claims"][ci][name] = value

    def update_document(self, updates: dict[str, Any]) -> None:
        """Set fields of ``document:`` (``title``, ``path``); a file without one gets it before ``claims``.

        A new key takes the place of its commented-out example right under the mapping
        (``# path: article.md``, as ``bibkit init`` writes it).
        """
        pair = self._get(self.root, "document")
        if pair is None:
            column = self.root.value[0][0].start_mark.column
            lines = [" " * column + "document:"] + [" " * (column + 2) + f"{name}: {render_scalar(v, flow=False)}"
                                                    for name, v in updates.items()]
            claims = self._get(self.root, "claims")
            self._insert_lines(self._line_start(claims[0].start_mark.index) if claims else len(self.text), lines)
            self.expected["document"] = dict(updates)
            return
        node = pair[1]
        if not isinstance(node, yaml.MappingNode) or not node.value:
            raise BibkitError(f"{self.path}:{pair[0].start_mark.line + 1}: cannot set document fields: "
                              "'document' is not a mapping")
        placeholders = {}
        if node.flow_style is not True:
            at = self._after_line(self._value_end(node))
            column = node.value[0][0].start_mark.column
            while True:  # the comment lines right under the mapping, at its indentation
                m = re.match(r"( *)#[ \t]*([A-Za-z_]+):[^\n]*(?:\n|$)", self.text[at:])
                if not m or len(m.group(1)) != column:
                    break
                if m.group(2) in updates and m.group(2) not in placeholders and self._get(node, m.group(2)) is None:
                    placeholders[m.group(2)] = (at, at + len(m.group(0).rstrip("\n")))
                at += len(m.group(0))
        self._edit_mapping_or_scalar(node, self.root, {k: v for k, v in updates.items() if k not in placeholders})
        for name, (start, end) in placeholders.items():  # spliced last: applied before the inserts at its start
            self._splice(start, end, " " * column + f"{name}: {render_scalar(updates[name], flow=False)}")
        document = self.expected.get("document")
        if isinstance(document, dict):
            document.update(updates)

    def add_link(self, claim_id: str, fields: dict[str, Any]) -> None:
        """Append a link (a mapping with ``key`` first) to a claim's ``sources``, creating the list if needed."""
        ci, claim = self._claim(claim_id)
        pair = self._get(claim, "sources")
        body = [f"{name}: {render_scalar(v, flow=False)}" for name, v in fields.items()]
        flow_body = [f"{name}: {render_scalar(v)}" for name, v in fields.items()]
        if pair is not None and isinstance(pair[1], yaml.SequenceNode) and (pair[1].value or pair[1].flow_style):
            seq = pair[1]
            if seq.flow_style is True:
                close = seq.end_mark.index - 1
                self._splice(close, close, (", " if seq.value else "") + "{" + ", ".join(flow_body) + "}")
            else:
                dash = seq.start_mark.column
                item_col = seq.value[0].start_mark.column
                lead = " " * dash + "-" + " " * max(1, item_col - dash - 1)
                lines = [lead + body[0]] + [" " * len(lead) + b for b in body[1:]]
                self._insert_lines(self._after_line(self._value_end(seq)), lines)
        elif pair is not None and not (isinstance(pair[1], yaml.ScalarNode) and pair[1].value == ""):
            raise BibkitError(f"{self.path}:{pair[0].start_mark.line + 1}: 'sources' of claim {claim_id} is not a list")
        else:
            if claim.flow_style is True:
                raise BibkitError(f"{self.path}:{claim.start_mark.line + 1}: cannot add a link to a claim in flow style")
            column = claim.value[0][0].start_mark.column
            lines = [" " * (column + 2) + "- " + body[0]] + [" " * (column + 4) + b for b in body[1:]]
            if pair is None:
                self._insert_lines(self._after_line(self._value_end(claim)), [" " * column + "sources:"] + lines)
            else:  # "sources:" with nothing after it
                self._insert_lines(self._after_line(pair[0].end_mark.index), lines)
        sources = self.expected["claims"][ci].get("sources")
        if not isinstance(sources, list):
            sources = self.expected["claims"][ci]["sources"] = []
        sources.append(dict(fields))

    def append_claims(self, items: list[dict[str, Any]]) -> None:
        """Add claims at the end of the ``claims`` list, in the list's own indentation."""
        if not items:
            return
        pair = self._get(self.root, "claims")
        # "claims:" with no value (the file 'bibkit init' writes) takes its first claims like "claims: []"
        empty = pair is not None and isinstance(pair[1], yaml.ScalarNode) and pair[1].tag == "tag:yaml.org,2002:null"
        seq = None if empty else self._claims()
        values = seq.value if seq is not None else []
        if seq is not None and seq.flow_style is True and values:
            raise BibkitError(f"{self.path}: cannot add claims to a 'claims' list in flow style")
        if seq is not None and values:
            dash = seq.start_mark.column
            item_col = values[0].start_mark.column
            at = self._after_line(self._value_end(seq))
        else:
            pair = self._get(self.root, "claims")
            dash, item_col = 2, 4
            at = self._after_line(pair[0].end_mark.index)
            if pair[1].start_mark.index != pair[1].end_mark.index:  # "claims: []" becomes "claims:"
                start = pair[1].start_mark.index
                while start > pair[0].end_mark.index + 1 and self.text[start - 1] in " \t":
                    start -= 1
                self._splice(start, pair[1].end_mark.index, "")
        spaced = bool(values) and self._blank_before(values[-1].start_mark.index)
        lines = [""] if spaced else []
        for item in items:
            dumped = yaml.safe_dump(item, sort_keys=False, allow_unicode=True, width=10**6,
                                    default_flow_style=False, indent=2).splitlines()
            for j, line in enumerate(dumped):
                lead = " " * dash + "-" + " " * (item_col - dash - 1) if j == 0 else " " * item_col
                lines.append(lead + line)
            if spaced:
                lines.append("")
        self._insert_lines(at, lines[:-1] if spaced else lines)
        if not isinstance(self.expected.get("claims"), list):
            self.expected["claims"] = []
        self.expected["claims"].extend(items)

    def remove_claim(self, claim_id: str) -> None:
        """Delete a claim's lines (from its ``-`` line to the end of its last value)."""
        ci, node = self._claim(claim_id)
        seq = self._claims()
        if seq.flow_style is True or node.flow_style is True:
            raise BibkitError(f"{self.path}: cannot remove a claim written in flow style")
        start = self._line_start(node.start_mark.index)
        self._splice(start, self._after_line(self._value_end(node)), "")
        self.expected["claims"][ci] = MISSING

    # -- result ----------------------------------------------------------------------------------

    def result(self) -> str:
        """The edited text; raises :class:`BibkitError` (nothing to write) if it would not read back as intended."""
        text = self.text
        for s in sorted(self.splices, key=lambda s: (s.start, s.order), reverse=True):
            text = text[:s.start] + s.text + text[s.end:]
        expected = dict(self.expected)
        if isinstance(expected.get("claims"), list):
            expected["claims"] = [c for c in expected["claims"] if c is not MISSING]
        try:
            got = yaml.load(text, Loader=_LOADER)
        except yaml.YAMLError as exc:
            raise BibkitError(f"{self.path}: edit would break the file ({' '.join(str(exc).split())}); nothing written") from None
        if got != expected:
            raise BibkitError(f"{self.path}: edit would not read back as intended (unusual layout); nothing written")
        return ("\ufeff" if self.bom else "") + text


# -- one claim at a time: editing a long file without reading all of it again ------------------------


@dataclass
class ClaimSpans:
    """Where each claim's lines lie in a claims file's text (without its BOM), read once.

    ``starts[i]``/``ends[i]`` are character offsets of the i-th claim of the ``claims`` list (from
    the start of its ``-`` line to just after its last line) and ``lines[i]`` the 1-based line of
    its start; ``ids`` maps a claim id to its first claim. :func:`edit_claim` keeps them up to date.
    """

    starts: list[int]
    ends: list[int]
    lines: list[int]
    ids: dict[str, int]
    aliases: bool = False  # the file may use YAML aliases (``*name``): claims are then edited in the whole file


def claim_spans(text: str) -> ClaimSpans | None:
    """The claims' spans in ``text`` (a BOM first is skipped), or None when the file cannot be edited claim
    by claim (not valid YAML, a ``claims`` list in flow style, an item not written as a block mapping
    starting on its ``-`` line)."""
    body = text[1:] if text.startswith("\ufeff") else text
    loader = _LOADER(body)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    if not isinstance(root, yaml.MappingNode):
        return None
    pair = ClaimsEditor._get(root, "claims")
    if pair is None or not isinstance(pair[1], yaml.SequenceNode) or pair[1].flow_style is True:
        return None
    spans = ClaimSpans([], [], [], {}, re.search(r"(?:^|[\s\[{,:-])\*[^\s*]", body) is not None)
    line, counted = 1, 0
    for node in pair[1].value:
        if not isinstance(node, yaml.MappingNode) or node.flow_style is True or not node.value:
            return None
        dash = node.start_mark.index - 1
        while dash >= 0 and body[dash] in " \t\r\n":
            dash -= 1
        if dash < 0 or body[dash] != "-":
            return None
        start = body.rfind("\n", 0, dash) + 1
        end = ClaimsEditor._value_end(node)
        if not (end > 0 and body[end - 1] == "\n"):
            nl = body.find("\n", end)
            end = len(body) if nl < 0 else nl + 1
        line += body.count("\n", counted, start)
        counted = start
        idp = ClaimsEditor._get(node, "id")
        if idp is not None and isinstance(idp[1], yaml.ScalarNode):
            spans.ids.setdefault(idp[1].value, len(spans.starts))
        spans.starts.append(start)
        spans.ends.append(end)
        spans.lines.append(line)
    return spans


#: The first lines of the small document one claim is edited in (see :func:`edit_claim`).
_ONE_CLAIM_HEAD = "claims:"


def edit_claim(text: str, spans: ClaimSpans, claim_id: str, edit: Callable[[ClaimsEditor], None],
               path: str = "claims.yaml") -> tuple[str, int] | None:
    """``text`` with one claim edited by ``edit`` (given a :class:`ClaimsEditor` over that claim alone), and
    the number of lines the edit added; None when it cannot be done this way (the claim uses an alias
    defined elsewhere, say): then edit the whole file.

    Only the claim's own lines are read and checked (the editor reads its result back as always), so a
    decision on a 10,000-claim file costs what it costs on a small one; ``spans`` is updated for the
    claims after it.
    """
    at = spans.ids.get(claim_id)
    if at is None or spans.aliases:
        return None
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom):]
    start, end = spans.starts[at], spans.ends[at]
    block = body[start:end]
    newline = "\r\n" if "\r\n" in block else "\n"
    head = _ONE_CLAIM_HEAD + newline
    try:
        editor = ClaimsEditor(head + block, path)
    except BibkitError:
        return None
    claims = ClaimsEditor._get(editor.root, "claims")
    if claims is None or not isinstance(claims[1], yaml.SequenceNode) or len(claims[1].value) != 1:
        return None
    edit(editor)
    edited = editor.result()[len(head):]
    grown = len(edited) - len(block)
    added = edited.count("\n") - block.count("\n")
    spans.ends[at] += grown
    for i in range(len(spans.starts)):
        if spans.starts[i] > start:
            spans.starts[i] += grown
            spans.ends[i] += grown
            spans.lines[i] += added
    return bom + body[:start] + edited + body[end:], added
