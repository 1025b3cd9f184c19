from knowledge.evidence import unknown_subject_names
from knowledge.tokenize import (
    add_terms,
    baseline_tokens,
    detect_language,
    is_chinese_quantity,
    is_new_word,
    learn_corpus_words,
    named_terms,
    named_words,
    tokens,
)


def test_english_is_lowercased_stemmed_and_stop_words_dropped() -> None:
    assert tokens("Does it support Encryption at rest?") == ["support", "encrypt", "rest"]
    assert tokens("replicating replicated replication") == ["replic", "replic", "replic"]
    # "how many" asks, like "how much": "many" is no evidence ("…including many MySQL limitations")
    assert tokens("How many columns can a table have?") == ["column", "tabl"]


def test_chat_stock_phrases_are_dropped() -> None:
    assert tokens("Customer asks whether backups are encrypted") == tokens("backups are encrypted")
    assert "客户" not in tokens("客户问：TiDB 支持数据加密吗？")
    assert tokens("客户问：支持数据加密吗？") == tokens("支持数据加密吗？")


def test_the_asking_customer_is_not_part_of_the_question() -> None:
    assert tokens("Acme Bank wants to know if backups are encrypted") == tokens("backups are encrypted")
    assert tokens("Acme 客户问：支持数据加密吗？") == tokens("支持数据加密吗？")
    assert "tidb" in tokens("TiDB 要求什么硬件")
    assert named_terms("Acme asks whether TiDB supports LDAP?") == {"tidb", "ldap"}


def test_chinese_is_segmented_into_words() -> None:
    terms = tokens("是否支持数据加密？")
    assert "加密" in terms and "数据" in terms
    assert "是否" not in terms and "？" not in terms


def test_mixed_text_keeps_both_languages() -> None:
    terms = tokens("TiCDC 能同步大事务吗 large transactions")
    assert {"ticdc", "同步", "事务", "larg", "transact"} <= set(terms)


def test_versions_and_identifiers_survive() -> None:
    terms = tokens("Which 8.5.7 patch changed tidb_mem_quota and cpu-aware scheduling?")
    assert {"8.5.7", "8.5", "tidb_mem_quota", "cpu-aware", "cpu", "awar", "schedul"} <= set(terms)


def test_product_terms_are_taught_to_jieba() -> None:
    assert "巨鲸同步器" not in tokens("巨鲸同步器的限制")
    assert add_terms(["巨鲸同步器 使用限制", "An English title"]) >= 1
    assert "巨鲸同步器" in tokens("巨鲸同步器的限制")


def test_named_terms_and_language() -> None:
    assert named_terms("Who is PingCAP's current CEO?") == {"pingcap", "ceo"}
    assert named_terms("What hardware do we need?") == set()
    assert named_terms("客户要求签 escrow 协议") == {"escrow"}
    assert detect_language("支持 MySQL 协议吗") == "zh"
    assert detect_language("Does it speak the MySQL protocol?") == "en"


def test_named_words_keep_compound_parts_skip_numbers_and_singularise_acronyms() -> None:
    assert named_words("Would the RAM-based cache help?") == [("ram-based", ("ram", "base"))]
    assert named_words("They load CSVs from S3") == [("csv", ()), ("s3", ())]
    assert named_words("shrink a 600M-row table") == []  # a quantity, not a name


def test_only_names_the_question_asks_about_count_as_unknown_subjects() -> None:
    vocabulary = {"version", "string", "server", "fedramp-free", "ram", "base", "cach", "help", "scan"}
    context = "Customer's Qualys scan flags the server. Can they change the version string?"
    assert unknown_subject_names(context, vocabulary=vocabulary) == []  # Qualys is context
    assert unknown_subject_names("Does Qualys scan the server?", vocabulary=vocabulary) == ["quali"]
    referring = "A prospect asks whether the server is FedRAMP authorized. Is it?"
    assert unknown_subject_names(referring, vocabulary=vocabulary) == ["fedramp"]  # "Is it?" refers back
    assert unknown_subject_names("Would a RAM-based cache help?", vocabulary=vocabulary) == []


def test_empty_and_punctuation_only() -> None:
    assert tokens("") == []
    assert tokens("？？!!") == []


def test_baseline_tokens_are_words_and_single_characters() -> None:
    assert baseline_tokens("Hello 数据库 world") == ["hello", "数", "据", "库", "world"]


def test_questions_are_segmented_without_the_hmm_so_colloquial_words_are_not_glued() -> None:
    # jieba's HMM glues "来换" / "能放" — words no document has; the dictionary alone keeps the characters
    assert "来换" in tokens("读旧一点的数据来换更低的延迟")
    query = tokens("读旧一点的数据来换更低的延迟", query=True)
    assert "来换" not in query and {"换", "延迟", "数据"} <= set(query)
    assert tokens("RC 能放生产吗", query=True) == ["rc", "放", "生产"]


def test_words_the_hmm_found_in_documents_are_learned_for_questions() -> None:
    assert is_new_word("鲸跃") and not is_new_word("数据") and not is_new_word("数")
    assert "鲸跃" in tokens("鲸跃引擎的限制")  # documents: the HMM finds it
    assert "鲸跃" not in tokens("鲸跃引擎的限制", query=True)
    assert learn_corpus_words(["鲸跃", "一个很长很长的句子不是词语"]) == 1
    assert "鲸跃" in tokens("鲸跃引擎的限制", query=True)


def test_chinese_numerals_and_vague_quantities_are_no_question_terms() -> None:
    for word in ("两千多", "七八十个", "十几", "几亿", "半个", "两个"):
        assert is_chinese_quantity(word), word
    for word in ("一起", "一条", "多", "数", "几天", "多租户"):
        assert not is_chinese_quantity(word), word
    query = tokens("客户有张宽表两千多列，还想建七八十个索引", query=True)
    assert "索引" in query and "列" in query
    assert not any(is_chinese_quantity(term) for term in query)
