from transforms.person_names import census_names, is_name_part


def test_census_names_hold_given_names_and_common_surnames_only():
    names = census_names()
    assert {"Mary", "James", "Smith", "Johnson", "Young"} <= names
    assert "Council" not in names and "Police" not in names


def test_a_name_part_is_a_census_name_or_no_common_english_word():
    assert is_name_part("Johnson") and is_name_part("May")  # the Census
    assert is_name_part("Woolf") and is_name_part("Obama")  # unknown, a proper noun
    assert not is_name_part("Supreme") and not is_name_part("Transportation")
