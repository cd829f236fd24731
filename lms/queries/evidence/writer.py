"""Writing a ZIP incrementally, with the SHA-256 of every file for the manifest.

Several files of a pack grow together as rows stream in (the certifications, the
attempts, the audit events), but a ZIP takes one file at a time: each grows in a
temporary file of its own on this machine's disk and is copied in at the end. Memory
holds a buffer, never a file.
"""

import csv
import hashlib
import io
import json
import tempfile
import zipfile
from typing import IO

from lms.queries import csv_export

_COPY = 1024 * 1024


class Spool:
    """A text file growing on local disk, to be copied into the ZIP under ``name``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.text = io.TextIOWrapper(
            tempfile.TemporaryFile(), encoding="utf-8", newline="", write_through=False
        )
        self._csv: csv.DictWriter | None = None
        self.rows = 0

    def write(self, text: str) -> None:
        self.text.write(text)

    def json_line(self, value: dict) -> None:
        self.text.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")
        self.rows += 1

    def csv_row(self, header: tuple[str, ...], row: dict) -> None:
        """A CSV row (the header first), cells made safe to open in a spreadsheet."""
        if self._csv is None:
            self.text.write(csv_export.BOM)
            self._csv = csv.DictWriter(self.text, header, lineterminator="\r\n")
            self._csv.writeheader()
        self._csv.writerow({key: csv_export.cell(row.get(key)) for key in header})
        self.rows += 1

    def csv_header_only(self, header: tuple[str, ...]) -> None:
        if self._csv is None:
            self.text.write(csv_export.BOM)
            self._csv = csv.DictWriter(self.text, header, lineterminator="\r\n")
            self._csv.writeheader()

    def raw(self) -> IO[bytes]:
        self.text.flush()
        raw = self.text.buffer
        raw.seek(0)
        return raw

    def close(self) -> None:
        self.text.close()


class PackWriter:
    """A ZIP written straight into ``sink`` (a file, or any object with ``write``: it
    need not seek), remembering each file's size and SHA-256 for the manifest."""

    def __init__(self, sink) -> None:
        # Level 1: most of the saving for a fraction of the time (text compresses well).
        self.zip = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
        self.files: list[dict] = []

    def add(self, name: str, data: bytes) -> str:
        """Add one file; returns its SHA-256."""
        digest = hashlib.sha256(data).hexdigest()
        self.zip.writestr(name, data)
        self.files.append({"path": name, "bytes": len(data), "sha256": digest})
        return digest

    def add_spool(self, spool: Spool) -> None:
        digest = hashlib.sha256()
        size = 0
        raw = spool.raw()
        with self.zip.open(spool.name, "w", force_zip64=True) as entry:
            while block := raw.read(_COPY):
                digest.update(block)
                size += len(block)
                entry.write(block)
        spool.close()
        self.files.append({"path": spool.name, "bytes": size, "sha256": digest.hexdigest()})

    def close(self, manifest: dict) -> dict:
        """Write ``manifest.json`` (``manifest`` plus every file's size and SHA-256) last,
        and finish the ZIP; returns the manifest."""
        manifest = {**manifest, "files": self.files}
        text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        self.zip.writestr("manifest.json", text.encode())
        self.zip.close()
        return manifest
