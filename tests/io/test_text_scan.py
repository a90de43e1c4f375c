"""A text file is looked at in chunks (never a copy of it in memory): the same facts as its bytes.

``msrwe import`` at registry scale reads multi-GB CSV files; the checks before Polars reads them
(binary data, blank file, quotes, old Mac line ends, UTF-8) run over 16 MiB chunks. Here the chunk
is a few bytes, so that a CR, a quote or a multi-byte character falls on every boundary.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from msrwe.io import _text

pieces = st.sampled_from(
    [b"\r", b"\n", b"\r\n", b"\x00", b'"', b",", b"a", b" ", b"\t", b"\xef\xbb\xbf",
     "é".encode(), "€".encode(), b"\xe9", b"\xff", b"\xc3", b"\xa9", b"\xed\xa0\x80"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(pieces, max_size=40), st.integers(1, 7))
def test_chunked_facts_are_the_facts_of_the_bytes(parts, chunk):
    data = b"".join(parts)
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as m:
        path = Path(tmp) / "visits.csv"
        path.write_bytes(data)
        m.setattr(_text, "_CHUNK", chunk)
        assert _text._file_facts(path, "visits.csv") == _text._facts(data)


def test_facts_of_an_old_mac_file_and_of_cp1252():
    # numbered cases: (bytes, lone CR, UTF-8)
    cases = [
        (b"patient_id\rA1\r", True, True),
        (b"patient_id\r\nA1\r\n", False, True),
        (b"patient_id\nA1 caf\xe9\n", False, False),
        (b"patient_id\nA1\r", True, True),  # a CR at the very end
    ]
    for data, lone_cr, utf8 in cases:
        facts = _text._facts(data)
        assert (facts.lone_cr, facts.utf8) == (lone_cr, utf8), data
