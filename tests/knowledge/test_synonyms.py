from pathlib import Path

from knowledge.synonyms import EXPANSION_WEIGHT, load_synonyms, parse_groups
from knowledge.tokenize import learn_corpus_words, tokens

EXAMPLE = Path(__file__).resolve().parents[2] / "samples" / "synonyms.txt"
GROUPS = load_synonyms(str(EXAMPLE))  # the example file a deployer may start from


def test_ops_slang_for_a_server_expands_to_the_documentation_words() -> None:
    # "two storage boxes die": the documentation says server / machine / host, never "box"
    terms = tokens("two storage boxes die")
    extra = GROUPS.expand(terms)
    for word in ("server", "machine", "host"):
        (term,) = tokens(word)
        assert extra[term] == EXPANSION_WEIGHT
    assert tokens("box")[0] in GROUPS.related(tokens("server")[0])


def test_expansion_never_repeats_a_question_term() -> None:
    terms = tokens("Can a box be a host?")
    assert not set(GROUPS.expand(terms)) & set(terms)


def test_colloquial_chinese_words_are_taught_and_expand_to_the_documentation_words() -> None:
    learn_corpus_words(GROUPS.chinese_words())  # as the index does when it is built
    query = tokens("这条语句能不能拉黑，不让它把 CPU 打满", query=True)
    assert "拉黑" in query and "打满" in query
    assert {"阻止", "禁止", "耗尽"} <= set(GROUPS.expand(query))
    assert "关闭" in GROUPS.related("关掉") and "禁用" in GROUPS.related("关掉")


def test_a_chinese_group_word_is_one_term_so_its_characters_set_off_nothing() -> None:
    # "迁到" split into characters would make every "到" a migration question
    assert GROUPS.expand(["到"]) == {}
    assert GROUPS.expand(["迁"]) == {}
    assert "迁移" in GROUPS.expand(["迁到"])


def test_a_deployer_file_replaces_the_bundled_groups(tmp_path: Path) -> None:
    path = tmp_path / "synonyms.txt"
    path.write_text("# our words\nseat, licence, license  # billing\n\nlonely\n", encoding="utf-8")
    assert parse_groups(path.read_text()) == [["seat", "licence", "license"]]
    own = load_synonyms(str(path))
    assert tokens("seat")[0] in own.related(tokens("license")[0])
    assert own.expand(tokens("server")) == {}
