from transforms.lexicon import dictionary_forms, inflected_forms, regular_forms


def test_dictionary_forms_are_the_forms_of_the_word_and_its_lemma():
    assert dictionary_forms("français", "fr") == {"français", "française", "françaises"}
    assert {"tedesca", "tedeschi"} <= dictionary_forms("tedesco", "it")
    # Forms that begin otherwise are other words the dictionary gives the lemma ("sono").
    assert "sono" not in dictionary_forms("essere", "it")


def test_regular_forms_where_the_dictionary_lacks_the_word():
    assert regular_forms("ivoirien", "fr") == {"ivoirien", "ivoirienne", "ivoiriens",
                                               "ivoiriennes"}
    assert regular_forms("beninés", "es") == {"beninés", "beninesa", "benineses", "beninesas"}
    assert regular_forms("chinês", "pt") == {"chinês", "chinesa", "chineses", "chinesas"}
    assert regular_forms("word", "xx") == {"word"}


def test_inflected_forms_join_both():
    # simplemma gives Dutch "Franse" the lemma "Fransman": the regular -e form still counts.
    assert {"Frans", "Franse"} <= inflected_forms("Frans", "nl")
    # An adjective's forms may differ in its fourth letter.
    assert {"turc", "turque", "turcs", "turques"} <= inflected_forms("turc", "fr")
