"""Editing the XML parts of a workbook as bytes, for the annotated copy written straight into them
(cotmoc.outputs.steward_direct): a part's top-level elements, a start tag's attributes, and the stylesheet's
tables (fonts, fills, borders, cell formats) with new entries appended. Nothing here expands an entity or
follows a reference: a part with a document type declaration, a comment or a processing instruction among its
elements, or an element in a prefixed namespace where SpreadsheetML is expected, is not edited (NotEditable),
and the caller writes the copy another way."""
from __future__ import annotations

import re
from functools import lru_cache
from html import escape, unescape

from openpyxl.workbook.defined_name import DefinedName
from openpyxl.xml.functions import tostring


class NotEditable(Exception):
    """A part in a shape these edits do not handle."""


_START = re.compile(rb'<([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:[^>"\']|"[^"]*"|\'[^\']*\')*)>')
_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')
_SPACE = re.compile(rb"\s*")


def local(tag: bytes) -> bytes:
    return tag.rpartition(b":")[2]


def elements(xml: bytes) -> list[tuple[bytes, bytes]]:
    """The elements of `xml`, a run of sibling elements: [(tag, the element's bytes)], whitespace between them as
    (b"", bytes). An element's end is found by counting the elements of its own name inside it."""
    out, pos, n = [], 0, len(xml)
    while pos < n:
        space = _SPACE.match(xml, pos).end()
        if space > pos:
            out.append((b"", xml[pos:space]))
            pos = space
            if pos >= n:
                break
        m = _START.match(xml, pos)
        if m is None:
            raise NotEditable(f"not an element at {pos}: {xml[pos:pos + 20]!r}")
        tag = m.group(1)
        if m.group(2).endswith(b"/"):
            out.append((tag, m.group(0)))
            pos = m.end()
            continue
        end = _end_of(xml, tag, m.end())
        out.append((tag, xml[pos:end]))
        pos = end
    return out


def _end_of(xml: bytes, tag: bytes, pos: int) -> int:
    """Where the element of `tag` whose content starts at `pos` ends."""
    pattern = re.compile(rb"<(/?)" + re.escape(tag) + rb"(?=[\s/>])((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>")
    depth = 1
    for m in pattern.finditer(xml, pos):
        if m.group(1):
            depth -= 1
            if depth == 0:
                return m.end()
        elif not m.group(2).endswith(b"/"):
            depth += 1
    raise NotEditable(f"<{tag.decode(errors='replace')}> does not end")


def start_tag(element: bytes) -> bytes:
    m = _START.match(element)
    if m is None:
        raise NotEditable("no start tag")
    return m.group(0)


def attrs(element: bytes) -> dict[bytes, str]:
    """The start tag's attributes, their values unescaped."""
    tag = start_tag(element)
    name_end = _START.match(tag).end(1)
    return {m.group(1): unescape((m.group(2) if m.group(2) is not None else m.group(3)).decode())
            for m in _ATTR.finditer(tag, name_end)}


def with_attrs(element: bytes, **changes: str | None) -> bytes:
    """The element with attributes set (a value) or removed (None); names given with `_` for `:`."""
    tag = start_tag(element)
    m = _START.match(tag)
    name, body = m.group(1), m.group(2)
    closing = b"/" if body.endswith(b"/") else b""
    if closing:
        body = body[:-1]
    for key, value in changes.items():
        attr = key.replace("_", ":").encode()
        body = re.sub(rb"\s+" + re.escape(attr) + rb"\s*=\s*(?:\"[^\"]*\"|'[^']*')", b"", body)
        if value is not None:
            body = body.rstrip() + b" " + attr + b'="' + escape(value, quote=True).encode() + b'"'
    return b"<" + name + body.rstrip() + closing + b">" + element[len(tag):]


def inner(element: bytes) -> bytes:
    """The content between an element's start and end tags (b"" for an empty element)."""
    tag = start_tag(element)
    if tag.endswith(b"/>"):
        return b""
    return element[len(tag):element.rindex(b"</")]


def with_inner(element: bytes, content: bytes) -> bytes:
    tag = start_tag(element)
    name = _START.match(tag).group(1)
    if tag.endswith(b"/>"):
        tag = tag[:-2].rstrip() + b">"
    return tag + content + b"</" + name + b">"


def check_plain_part(xml: bytes, root: bytes) -> None:
    """A part we edit: no document type (its entities would be ours to expand), and `root` in the default
    namespace (what we add is written unprefixed)."""
    if b"<!DOCTYPE" in xml or b"<!ENTITY" in xml:
        raise NotEditable("a document type declaration")
    m = re.search(rb"<([\w.:-]+)[\s>/]", re.sub(rb"^\s*<\?xml[^>]*\?>", b"", xml[:4096]))
    if m is None or m.group(1) != root:
        raise NotEditable(f"the root is not <{root.decode()}>")


def serialised(obj) -> bytes:
    """An openpyxl object as openpyxl writes it into a part (its `to_tree`)."""
    return tostring(obj.to_tree())


@lru_cache(maxsize=256)
def defined_name(name: str, local_sheet_id: int, text: str, hidden: bool | None = None) -> bytes:
    """A sheet's defined name as openpyxl writes it. Pure in its values, so the names alike in every copy (the
    `Loi` sheet's filter and print titles, a report sheet's) are built once a process: openpyxl's object and its
    tree cost ≈ 0.1 ms a name."""
    return serialised(DefinedName(name=name, localSheetId=local_sheet_id, hidden=hidden, attr_text=text))


_TABLES = (b"numFmts", b"fonts", b"fills", b"borders", b"cellStyleXfs", b"cellXfs")


@lru_cache(maxsize=16)
def _stylesheet_parts(xml: bytes) -> tuple[bytes, tuple[tuple[bytes, bytes], ...], dict[bytes, tuple[bytes, ...]]]:
    """(head, elements, entries of each table) of a stylesheet. Pure in its bytes, so the template's, alike in every
    report, is split once a process (≈ 0.25 ms a copy); the caller copies what it changes."""
    check_plain_part(xml, b"styleSheet")
    head_end = xml.index(b">", xml.index(b"<styleSheet")) + 1
    parts = tuple(elements(xml[head_end:xml.rindex(b"</styleSheet>")]))
    tables = {tag: tuple(e for t, e in elements(inner(element)) if t) for tag, element in parts if tag in _TABLES}
    for needed in (b"fonts", b"fills", b"borders", b"cellXfs"):
        if not tables.get(needed):
            raise NotEditable(f"styles without {needed.decode()}")
    return xml[:head_end], parts, tables


class Stylesheet:
    """`xl/styles.xml` with fonts, fills, borders and cell formats appended; each added entry written once."""

    def __init__(self, xml: bytes):
        self.head, self.parts, tables = _stylesheet_parts(xml)
        self.tables: dict[bytes, list[bytes]] = {tag: list(entries) for tag, entries in tables.items()}
        self.added: dict[tuple[bytes, bytes], int] = {}
        self.changed = False

    def add(self, table: bytes, entry: bytes) -> int:
        """The index of `entry` in `table`, appended the first time it is asked for."""
        key = (table, entry)
        if key not in self.added:
            self.added[key] = len(self.tables[table])
            self.tables[table].append(entry)
            self.changed = True
        return self.added[key]

    def xf(self, index: int) -> bytes:
        xfs = self.tables[b"cellXfs"]
        if not 0 <= index < len(xfs):
            raise NotEditable(f"cell format {index} does not exist")
        return xfs[index]

    def to_bytes(self) -> bytes:
        out = [self.head]
        for tag, element in self.parts:
            if tag in self.tables:
                entries = self.tables[tag]
                element = with_inner(with_attrs(element, count=str(len(entries))), b"".join(entries))
            out.append(element)
        out.append(b"</styleSheet>")
        return b"".join(out)
