from knowledge.synonyms import EXPANSION_WEIGHT, expand, related
from knowledge.tokenize import tokens


def test_ops_slang_for_a_server_expands_to_the_documentation_words() -> None:
    # "two storage boxes die": the documentation says server / machine / host, never "box"
    terms = tokens("two storage boxes die")
    extra = expand(terms)
    for word in ("server", "machine", "host"):
        (term,) = tokens(word)
        assert extra[term] == EXPANSION_WEIGHT
    assert tokens("box")[0] in related(tokens("server")[0])


def test_expansion_never_repeats_a_question_term() -> None:
    terms = tokens("Can a box be a host?")
    assert not set(expand(terms)) & set(terms)
