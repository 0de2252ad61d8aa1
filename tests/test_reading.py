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


def test_unsupported_and_damaged_containers(tmp_path):
    import zipfile

    junk = tmp_path / "notice.docx"
    junk.write_bytes(b"PK\x03\x04")
    with pytest.raises(ReadError, match="damaged or truncated zip container"):
        read_source(junk)
    sheet = tmp_path / "ledger.xlsx"
    with zipfile.ZipFile(sheet, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(ReadError, match=r"unsupported format \(Excel spreadsheet, xlsx\)"):
        read_source(sheet)
    archive = tmp_path / "files.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("a.txt", "关于整改情况的通报")
    with pytest.raises(ReadError, match="unsupported format \\(zip archive"):
        read_source(archive)


def test_utf16_without_bom_and_without_ascii():
    text = "关于专项巡察整改进展情况的通报，整改工作有序推进。" * 5
    for enc in ("utf-16-le", "utf-16-be"):
        assert decode(text.encode(enc) + "\n".encode(enc)) == (text + "\n", enc)


def test_labelled_fields_at_the_head_of_a_text_become_metadata(tmp_path):
    f = tmp_path / "scraped.txt"
    f.write_text("突出生态环境问题整改验收销号公示\n\n发布日期:2023-07-27 15:18来源: 宿马园区管委会编辑:宿马园区阅读次数:\n"
                 "一、整改问题\n现场施工裸土未覆盖。\n", encoding="utf-8")
    src = read_source(f)
    assert src.text.startswith("突出生态环境问题")  # a text keeps its lines; only HTML drops page furniture
    assert src.meta == {"format": "text", "published": "2023-07-27 15:18", "published_iso": "2023-07-27",
                        "source": "宿马园区管委会"}
    g = tmp_path / "lost.txt"
    g.write_text("关于中央环保督察第8号问题整改销号公示\n发布时间:20201125 作者: 浏览量:\n一、反馈问题\n", encoding="utf-8")
    assert read_source(g).meta["published_iso"] == "2020-11-25"
    h = tmp_path / "meeting.txt"
    h.write_text("关于召开整改推进会的通知\n时间：2025年3月1日上午\n地点：市政府三楼会议室\n", encoding="utf-8")
    assert "published" not in read_source(h).meta  # 时间 alone is the meeting's, not the page's


def test_too_large_and_too_long(tmp_path, monkeypatch):
    from extract.formats import limits

    f = tmp_path / "big.txt"
    f.write_text("整改" * 1000, encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 100)
    with pytest.raises(ReadError, match="file too large: 6000 bytes \\(limit 100\\)"):
        read_source(f)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 10_000)
    monkeypatch.setattr(limits, "MAX_CHARS", 1500)
    with pytest.raises(ReadError, match="document too long: 2000 characters \\(limit 1500\\)"):
        read_source(f)


def test_a_few_undecodable_bytes_do_not_fail_the_file(tmp_path):
    f = tmp_path / "damaged.txt"
    f.write_bytes(TEXT.encode("gb18030") * 20 + b"\xff\xfe\xfa" + TEXT.encode("gb18030"))
    src = read_source(f)
    assert src.text.count("关于专项巡察") == 21
