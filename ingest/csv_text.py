"""CSV text as departments export it: the encoding, the delimiter, and quotes gone wrong.

Two things decide whether a CSV row is read as the clerk wrote it. The encoding (UTF-8 with
or without BOM, or GB18030/GBK from older software) is found by decoding the whole file, and
any other encoding is refused with the fix. An unclosed quote makes Python's ``csv`` module
read on to the next quote, swallowing the rows in between into one cell; such a record is
detected (a line inside the cell that looks like a whole row) and read line by line again,
with a note saying so, so that no row is lost and none is glued to another.
"""
from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from pathlib import Path

from graph.errors import LianjianError
from ingest.records import CellNote

__all__ = ["EncodingError", "detect_encoding", "sniff_delimiter", "iter_csv_records"]

_CHUNK = 1 << 20
_LONE_CR = re.compile(r"(?<=\r)(?!\n)")
# A cell swallowed by an unclosed quote may hold many rows: read it whole (up to 64 MiB) to
# split it again, rather than stop at the csv module's 128 KiB default.
csv.field_size_limit(64 << 20)


class EncodingError(LianjianError, ValueError):
    """A file is not text in UTF-8 or GB18030 (UTF-16, binary, NUL bytes, a workbook)."""


def detect_encoding(path: str | Path) -> str:
    """Tell UTF-8 (with or without BOM) from GB18030 by decoding the whole file strictly.

    Both are tried in full rather than on a sample: a GBK file can be pure ASCII for
    thousands of rows before its first Chinese name. Memory stays flat (1 MiB chunks).
    """
    path = Path(path)
    with path.open("rb") as stream:
        head = stream.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig" if _decodes(path, "utf-8-sig") else _unreadable(path)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise EncodingError(f"{path.name}: the file is UTF-16; save it as CSV UTF-8 (逗号分隔)")
    if head.startswith(b"PK\x03\x04"):
        raise EncodingError(f"{path.name}: this is an Excel workbook; rename it to .xlsx")
    for encoding in ("utf-8", "gb18030"):
        if _decodes(path, encoding):
            return encoding
    return _unreadable(path)


def _decodes(path: Path, encoding: str) -> bool:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as stream:
        try:
            while chunk := stream.read(_CHUNK):
                if b"\x00" in chunk:
                    return False
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _unreadable(path: Path) -> str:
    with path.open("rb") as stream:
        nul = b"\x00" in stream.read(_CHUNK)
    what = ("it holds NUL bytes (a binary file, or UTF-16 without a byte-order mark)" if nul
            else "it is neither UTF-8 nor GB18030/GBK")
    raise EncodingError(
        f"{path.name}: cannot read the text: {what}. "
        "Save it as CSV UTF-8, or name its encoding in a profile (encoding: ...)"
    )


def sniff_delimiter(path: Path, encoding: str) -> str:
    """Comma unless the header line plainly uses tabs or semicolons (European Excel)."""
    # Only the header line is decoded here: a bad byte further down is reported, with its
    # row, by the reader, not by this glance at the first line.
    with path.open(encoding=encoding, errors="replace", newline="") as stream:
        line = next((line for line in stream if line.strip()), "")
    counts = {delimiter: line.count(delimiter) for delimiter in (",", "\t", ";")}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _splits_on_newline_byte(encoding: str) -> bool:
    """True for UTF-8 and GB18030/GBK, where byte 0x0A is only ever a line feed."""
    try:
        return "a\n".encode(encoding).endswith(b"a\n")
    except LookupError:
        return False


def _decoded_lines(binary, encoding: str) -> Iterator[str]:
    """The file's lines decoded one at a time (line endings kept, as ``newline=""``), so a
    bad byte is reported at its own row rather than at the start of a read-ahead chunk."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    for raw in binary:
        text = decoder.decode(raw)
        if "\r" in text.rstrip("\r\n"):  # old Mac line ends (a lone CR) inside the chunk
            yield from (part for part in _LONE_CR.split(text) if part)
        else:
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail


class _LineTap:
    """The lines a ``csv.reader`` pulls, kept until taken: what one record was made of."""

    def __init__(self, stream):
        self.stream, self.lines = stream, []

    def __iter__(self):
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.lines.append(line)
        return line

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


def iter_csv_records(path: Path, encoding: str) -> Iterator[tuple[int, list[str], list[CellNote]]]:
    """Yield (row number, cells, notes) for every record, blank ones included.

    The row number counts records as a spreadsheet shows them (a quoted line break stays in
    its cell). A record that swallowed whole rows through an unclosed quote is split back
    into its lines, each numbered as its own row.
    """
    delimiter = sniff_delimiter(path, encoding)
    with path.open("rb") as binary:
        stream = (_decoded_lines(binary, encoding) if _splits_on_newline_byte(encoding)
                  else codecs.getreader(encoding)(binary))
        tap = _LineTap(iter(stream))
        reader = csv.reader(tap, delimiter=delimiter)
        width, number = None, 0
        try:
            for cells in reader:
                lines = tap.take()
                if width is None and any(cell.strip() for cell in cells):
                    width = len(cells)
                if len(lines) > 1 and width and _swallowed_rows(lines, delimiter, width):
                    for offset, (line_cells, notes) in enumerate(_split(lines, delimiter)):
                        yield number + offset + 1, line_cells, notes
                    number += len(lines)
                    continue
                number += 1
                yield number, cells, []
        except UnicodeDecodeError as error:
            raise EncodingError(
                f"{path.name}: not valid {encoding} after row {number} ({error.reason}); "
                "fix the encoding in the profile or save the file as CSV UTF-8"
            ) from None
        except csv.Error as error:
            raise EncodingError(f"{path.name}: cannot be read as CSV after row {number} "
                                f"({error}); save it again as CSV UTF-8") from None


def _swallowed_rows(lines: list[str], delimiter: str, width: int) -> bool:
    """A line inside one cell that holds as many cells as the header: a row, not a line break.

    A real multi-line cell (an address on two lines) rarely holds the header's number of
    delimiters; a row swallowed by an unclosed quote always does.
    """
    return width > 2 and any(line.count(delimiter) >= width - 1 for line in lines[1:])


def _split(lines: list[str], delimiter: str) -> Iterator[tuple[list[str], list[CellNote]]]:
    """Each line as its own record; the line with the unclosed quote read without quoting."""
    last = len(lines)
    for index, line in enumerate(lines):
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if index == 0 or any("\n" in cell or "\r" in cell for cell in cells):
            raw = next(csv.reader([line], delimiter=delimiter, quoting=csv.QUOTE_NONE), [])
            position = next((i for i, cell in enumerate(raw) if '"' in cell), 0)
            cells = [cell.replace('"', "") for cell in raw]
            note = CellNote(f"#{position + 1}", raw[position] if raw else "",
                            f"unclosed quote: it swallowed the next {last - 1} line(s) into "
                            "one cell; each line was read as its own row and the stray quote "
                            "dropped. Check this row and fix the quote in the file",
                            action="corrected")
            yield [cell.rstrip("\r\n") for cell in cells], [note]
            continue
        yield cells, []
