"""DCAT (DCAT-AP style, JSON-LD) catalog describing the published download files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
}
IANA_MEDIA_TYPES = "http://www.iana.org/assignments/media-types/"


def _text(value: str, lang: str = "zh") -> dict[str, str]:
    return {"@value": value, "@language": lang}


def distribution(
    *,
    file_name: str,
    media_type: str,
    size: int,
    sha256: str,
    url: str,
    title: str | None = None,
    issued: str | None = None,
) -> dict[str, Any]:
    """One downloadable file as a dcat:Distribution."""
    out: dict[str, Any] = {
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": _text(title or file_name),
        "dcat:downloadURL": {"@id": url},
        "dcat:accessURL": {"@id": url},
        "dcat:mediaType": {"@id": IANA_MEDIA_TYPES + media_type.split(";")[0].strip()},
        "dcat:byteSize": {"@value": str(size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {
            "@type": "spdx:Checksum",
            "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": sha256, "@type": "xsd:hexBinary"},
        },
    }
    if issued:
        out["dct:issued"] = {"@value": issued, "@type": "xsd:dateTime"}
    return out


def build_catalog(
    *,
    catalog_url: str,
    dataset_url: str,
    title: str,
    description: str,
    publisher: str,
    distributions: Iterable[Mapping[str, Any]],
    homepage: str | None = None,
    modified: str | None = None,
    license_url: str | None = None,
    language: str = "zh",
    keywords: Iterable[str] = ("权力清单", "责任清单"),
) -> dict[str, Any]:
    """A dcat:Catalog holding one dcat:Dataset whose distributions are the given files.

    Each distribution mapping has file_name, media_type, size, sha256, url and optionally
    title and issued (see `distribution`).
    """
    dataset: dict[str, Any] = {
        "@id": dataset_url,
        "@type": "dcat:Dataset",
        "dct:title": _text(title, language),
        "dct:description": _text(description, language),
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": _text(publisher, language)},
        "dct:language": {"@id": f"http://id.loc.gov/vocabulary/iso639-1/{language}"},
        "dcat:keyword": [_text(k, language) for k in keywords],
        "dcat:distribution": [distribution(**d) for d in distributions],
    }
    if modified:
        dataset["dct:modified"] = {"@value": modified, "@type": "xsd:dateTime"}
    if license_url:
        dataset["dct:license"] = {"@id": license_url}
    catalog: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": catalog_url,
        "@type": "dcat:Catalog",
        "dct:title": _text(title, language),
        "dct:description": _text(description, language),
        "dct:publisher": dataset["dct:publisher"],
        "dcat:dataset": [dataset],
    }
    if homepage:
        catalog["foaf:homepage"] = {"@id": homepage}
    if modified:
        catalog["dct:modified"] = dataset["dct:modified"]
    return catalog
