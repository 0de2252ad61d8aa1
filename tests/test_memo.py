"""TextMemo: results found by the text object itself, bounded."""
from extract.memo import SIZE, TextMemo


def test_found_by_the_object_not_by_equality():
    memo = TextMemo()
    text = "".join(["2025年", "3月"])
    same = "".join(["2025年", "3月"])
    assert text == same and text is not same
    memo.put(text, [1])
    assert memo.get(text) == [1]
    assert memo.get(same) is None


def test_put_returns_the_result_and_keeps_the_last_size():
    memo = TextMemo(size=3)
    texts = [f"文本{i}" * 2 for i in range(5)]
    for i, t in enumerate(texts):
        assert memo.put(t, i) == i
    assert len(memo) == 3
    assert [memo.get(t) for t in texts] == [None, None, 2, 3, 4]


def test_an_empty_result_is_kept():
    memo = TextMemo()
    text = "无日期"
    memo.put(text, [])
    assert memo.get(text) == []


def test_default_size_holds_a_batch():
    from extract.pipeline import BATCH

    assert TextMemo().size == SIZE >= 2 * BATCH


def test_clear():
    memo = TextMemo()
    text = "文本"
    memo.put(text, 1)
    memo.clear()
    assert memo.get(text) is None and len(memo) == 0
