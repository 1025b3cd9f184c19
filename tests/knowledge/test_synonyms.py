from knowledge.synonyms import EXPANSION_WEIGHT, chinese_words, expand, related
from knowledge.tokenize import learn_corpus_words, tokens


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

def test_colloquial_chinese_words_are_taught_and_expand_to_the_documentation_words() -> None:
    learn_corpus_words(chinese_words())  # as the index does when it is built
    query = tokens("这条语句能不能拉黑，不让它把 CPU 打满", query=True)
    assert "拉黑" in query and "打满" in query
    extra = expand(query)
    assert {"阻止", "禁止", "耗尽"} <= set(extra)
    assert "关闭" in related("关掉") and "禁用" in related("关掉")


def test_a_chinese_group_word_is_one_term_so_its_characters_set_off_nothing() -> None:
    # "迁到" split into characters would make every "到" a migration question
    assert expand(["到"]) == {}
    assert expand(["迁"]) == {}
    assert "迁移" in expand(["迁到"])
