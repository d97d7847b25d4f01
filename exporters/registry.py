"""The export formats by name: adding a format is one module plus one line here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from exporters import csv_export, json_export, xml_export, zip_export
from exporters.encoders import Encoder

Writer = Callable[..., Iterator[bytes]]
EncoderFactory = Callable[..., Encoder]


@dataclass(frozen=True)
class Format:
    name: str
    media_type: str  # bare IANA type, as DCAT wants it
    extension: str  # without the leading dot
    write: Writer  # write(records, *, schema, **options) -> Iterator[bytes]
    encoder: EncoderFactory  # encoder(*, schema, **options) -> Encoder (exporters.encoders)
    text: bool = True  # a text format served with charset=utf-8

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type header value."""
        return f"{self.media_type}; charset=utf-8" if self.text else self.media_type


_FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    if fmt.name in _FORMATS:
        raise ValueError(f"format {fmt.name!r} is already registered")
    _FORMATS[fmt.name] = fmt
    return fmt


def get(name: str) -> Format:
    """The format called `name`; KeyError lists the known names."""
    try:
        return _FORMATS[name]
    except KeyError:
        raise KeyError(f"unknown export format {name!r}; known: {sorted(_FORMATS)}") from None


def names() -> list[str]:
    return list(_FORMATS)


def by_media_type(media_type: str) -> Format | None:
    """The format for an Accept media type (parameters ignored), for content negotiation."""
    bare = media_type.split(";")[0].strip().lower()
    return next((f for f in _FORMATS.values() if f.media_type == bare), None)


register(
    Format(
        "json",
        json_export.JSON_MEDIA_TYPE,
        "json",
        json_export.write_json,
        json_export.json_encoder,
    )
)
register(
    Format(
        "ndjson",
        json_export.NDJSON_MEDIA_TYPE,
        "ndjson",
        json_export.write_ndjson,
        json_export.ndjson_encoder,
    )
)
register(
    Format(
        "csv", csv_export.MEDIA_TYPE, csv_export.EXTENSION, csv_export.write, csv_export.csv_encoder
    )
)
register(
    Format(
        "xml", xml_export.MEDIA_TYPE, xml_export.EXTENSION, xml_export.write, xml_export.xml_encoder
    )
)
register(
    Format(
        "csv-zip",
        zip_export.MEDIA_TYPE,
        zip_export.EXTENSION,
        zip_export.write,
        zip_export.csv_zip_encoder,
        text=False,
    )
)
