from transforms.words import word_counts


def test_spaced_scripts_count_tokens():
    assert word_counts(["The ministry said on Monday", "Der Minister sagte", ""]) == [5, 3, 0]


def test_unspaced_scripts_count_two_characters_a_word():
    assert word_counts(["日本語の記事です", "中国 2024 年", "สวัสดีครับ"]) == [4, 2, 5]
