"""Builds the XML Schema of the XML export from a RecordSchema (committed as qingdan-items.xsd)."""

from __future__ import annotations

from lxml import etree

from exporters.schema import FieldSpec, RecordSchema
from exporters.xml_export import ITEM, NAMESPACE, ROOT

XS = "http://www.w3.org/2001/XMLSchema"
XML_NS = "http://www.w3.org/XML/1998/namespace"
_TYPES = {
    "string": "xs:string",
    "integer": "xs:integer",
    "boolean": "xs:boolean",
    "date": "xs:date",
    "datetime": "xs:dateTime",
}
CODED = "Coded"


def _xs(tag: str) -> str:
    return f"{{{XS}}}{tag}"


def _doc(parent: etree._Element, f: FieldSpec) -> None:
    ann = etree.SubElement(parent, _xs("annotation"))
    text = f.label
    if f.required:
        text += "（必填）"
    if f.vocabulary:
        text += f"；代码表：{f.vocabulary}"
    doc = etree.SubElement(ann, _xs("documentation"), {f"{{{XML_NS}}}lang": "zh"})
    doc.text = text


def _scalar_type(f: FieldSpec, type_: str) -> str:
    return CODED if f.vocabulary else _TYPES[type_]


def _element(parent: etree._Element, f: FieldSpec, min_occurs: str = "0") -> None:
    el = etree.SubElement(parent, _xs("element"), name=f.name, minOccurs=min_occurs)
    if f.is_scalar:
        el.set("type", _scalar_type(f, f.type))
        _doc(el, f)
        return
    _doc(el, f)
    ctype = etree.SubElement(el, _xs("complexType"))
    seq = etree.SubElement(ctype, _xs("sequence"))
    if f.type == "object":
        for m in f.members:
            _element(seq, m)
        return
    entry = etree.SubElement(
        seq, _xs("element"), name=f.entry_name, minOccurs="0", maxOccurs="unbounded"
    )
    if not f.members:
        entry.set("type", _scalar_type(f, f.item_type or "string"))
        return
    entry_seq = etree.SubElement(etree.SubElement(entry, _xs("complexType")), _xs("sequence"))
    for m in f.members:
        _element(entry_seq, m)


def build_xsd(schema: RecordSchema) -> bytes:
    """The XSD text for documents written by exporters.xml_export.write with this schema."""
    root = etree.Element(
        _xs("schema"),
        nsmap={"xs": XS, None: NAMESPACE},
        targetNamespace=NAMESPACE,
        elementFormDefault="qualified",
        version="1",
    )
    ann = etree.SubElement(etree.SubElement(root, _xs("annotation")), _xs("documentation"))
    ann.text = (
        "Qingdan power and responsibility list items (权力清单、责任清单), namespace "
        f"{NAMESPACE}. Generated from the field catalogue; do not edit by hand. "
        "Only code is mandatory here: 必填 fields are enforced when items are written, "
        "the schema checks shape and types. Coded values carry their Chinese label."
    )
    items = etree.SubElement(root, _xs("element"), name=ROOT)
    seq = etree.SubElement(etree.SubElement(items, _xs("complexType")), _xs("sequence"))
    etree.SubElement(
        seq, _xs("element"), name=ITEM, type="Item", minOccurs="0", maxOccurs="unbounded"
    )

    item = etree.SubElement(root, _xs("complexType"), name="Item")
    item_seq = etree.SubElement(item, _xs("sequence"))
    for f in schema.fields:
        _element(item_seq, f, "1" if f.name == schema.key else "0")
    etree.SubElement(item, _xs("attribute"), name="url", type="xs:string")

    # A vocabulary code, with its Chinese label as an attribute for people reading the file.
    coded = etree.SubElement(root, _xs("complexType"), name=CODED)
    ext = etree.SubElement(
        etree.SubElement(coded, _xs("simpleContent")), _xs("extension"), base="xs:string"
    )
    etree.SubElement(ext, _xs("attribute"), name="label", type="xs:string")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
