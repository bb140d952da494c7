"""CFDI XML, validated against SAT's XSDs (the copies satcfdi ships) with the schema compiled once.

satcfdi's own ``xml_bytes(validate=True)`` compiles the whole SAT schema set again on every call
(~0.2 s); here each thread compiles each set of schemas once and keeps it (an lxml schema is
not shared between threads).
"""

from __future__ import annotations

import os
import threading

from lxml import etree
from satcfdi.cfdi import CFDI
from satcfdi.transform import SCHEMA_ROOT, SchemaCollector, cfdi_schemas
from satcfdi.utils import parser

from shared.errors import DomainError

_local = threading.local()
_XS = "http://www.w3.org/2001/XMLSchema"


class SchemaInvalid(DomainError):
    """The XML does not follow SAT's XSD: a bug of ours, never sent to a PAC."""

    code = "cfdi_schema_invalid"


def _schema(bases: tuple[str, ...]) -> etree.XMLSchema:
    cache: dict[tuple[str, ...], etree.XMLSchema] = getattr(_local, "schemas", None) or {}
    _local.schemas = cache
    schema = cache.get(bases)
    if schema is None:
        root = etree.fromstring(f'<xs:schema xmlns:xs="{_XS}"/>',
                                base_url=os.path.join(SCHEMA_ROOT, "schema.xsd"), parser=parser)
        for location in bases:
            etree.SubElement(root, f"{{{_XS}}}import",
                             attrib={"namespace": "", "schemaLocation": location})
        schema = cache[bases] = etree.XMLSchema(root)
    return schema


def validated_xml(doc: CFDI) -> bytes:
    """The document's XML (with its schemaLocation), refused unless SAT's XSDs accept it."""
    collector = SchemaCollector()
    cfdi_schemas[doc.tag](collector, doc)
    xml = doc.to_xml(include_schema_location=True)
    schema = _schema(tuple(collector.base))
    if not schema.validate(xml):
        first = "; ".join(str(e.message) for e in list(schema.error_log)[:3])
        raise SchemaInvalid(f"El CFDI no cumple el esquema del SAT: {first}")
    out: bytes = etree.tostring(xml, xml_declaration=True, encoding="UTF-8")
    return out


def check_xml(xml: bytes) -> CFDI:
    """A stored or received CFDI, parsed and validated again (tests, and what a PAC returns)."""
    doc = CFDI.from_string(xml)
    validated_xml(doc)
    return doc
