"""Reading: encodings, bad files, and nothing lost in a batch."""
import codecs

import pytest

from extract.reading import ReadError, decode, read_source

TEXT = "关于专项巡察整改进展情况的通报\n联系电话：0737-5666826。\n"


@pytest.mark.parametrize("data,encoding", [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (TEXT.encode("gbk"), "gb18030"),
    (TEXT.encode("utf-16"), "utf-16"),
    (TEXT.encode("utf-16-le"), "utf-16-le"),
])
def test_encodings_decode_to_the_same_text(data, encoding):
    text, enc = decode(data)
    assert text == TEXT
    assert enc == encoding


def test_empty_and_blank_files(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(ReadError, match="empty file"):
        read_source(empty)
    blank = tmp_path / "blank.txt"
    blank.write_text(" \n\n\t\n", encoding="utf-8")
    with pytest.raises(ReadError, match="empty"):
        read_source(blank)


def test_binary_file(tmp_path):
    f = tmp_path / "image.txt"
    f.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(ReadError, match="binary"):
        read_source(f)


def test_unsupported_format(tmp_path):
    f = tmp_path / "notice.docx"
    f.write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError, match="unsupported format"):
        read_source(f)


def test_a_few_undecodable_bytes_do_not_fail_the_file(tmp_path):
    f = tmp_path / "damaged.txt"
    f.write_bytes(TEXT.encode("gb18030") * 20 + b"\xff\xfe\xfa" + TEXT.encode("gb18030"))
    src = read_source(f)
    assert src.text.count("关于专项巡察") == 21
