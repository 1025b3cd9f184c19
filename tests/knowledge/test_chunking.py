from knowledge.answer_extractive import split_sentences
from knowledge.chunking import chunk_markdown, chunk_plain_text, split_front_matter, split_long


def test_sections_follow_headings_with_trail() -> None:
    chunks = chunk_markdown(
        "Intro text.\n\n# Title\n\n## Group\n\n### Question one?\n\nAnswer one.\n\n### Question two {#q2}\n\nAnswer two.\n"
        "\n## Other\n\nMore."
    )
    assert [(c.heading, c.headings, c.text) for c in chunks] == [
        ("", (), "Intro text."),
        ("Question one?", ("Title", "Group"), "Answer one."),
        ("Question two", ("Title", "Group"), "Answer two."),
        ("Other", ("Title",), "More."),
    ]


def test_headings_inside_code_fences_and_comments_are_ignored() -> None:
    chunks = chunk_markdown("# A\n\n```sh\n# not a heading\n```\n\n<!-- ## hidden -->\ntext")
    assert len(chunks) == 1
    assert chunks[0].heading == "A"
    assert "# not a heading" in chunks[0].text and "hidden" not in chunks[0].text


def test_long_sections_split_with_overlap_and_keep_heading() -> None:
    body = "\n".join(f"Paragraph {i} " + "word " * 40 for i in range(30))
    chunks = chunk_markdown(f"# Big\n\n{body}", max_chars=800, overlap=200)
    assert len(chunks) > 3
    assert all(c.heading == "Big" and len(c.text) <= 800 for c in chunks)
    assert chunks[1].text[:100] in chunks[0].text  # the next part starts with the previous one's tail


def test_split_long_handles_one_huge_line() -> None:
    words = [f"w{i}" for i in range(1500)]
    parts = split_long(" ".join(words), max_chars=1000, overlap=100)
    assert len(parts) > 5 and all(len(p) <= 1000 for p in parts)
    joined = " ".join(parts)
    assert words[0] in joined and words[-1] in joined


def test_front_matter_and_plain_text() -> None:
    meta, body = split_front_matter("---\ntitle: Hello\nupdated: 2026-01-02\n---\n# Body\n")
    assert meta["title"] == "Hello" and body == "# Body\n"
    assert split_front_matter("---\n: [bad\n---\nrest")[1] == "rest"
    assert chunk_plain_text("just text")[0].text == "just text"


def test_a_licence_comment_full_of_hash_lines_is_not_content() -> None:
    page = """<!--
# Licensed to the Apache Software Foundation (ASF) under one
# or more contributor license agreements.
## See the NOTICE file
-->

# Quick start

Run the standalone server.
"""
    chunks = chunk_markdown(page)
    assert [(c.heading, c.text) for c in chunks] == [("Quick start", "Run the standalone server.")]


def test_a_split_table_repeats_its_header_and_loses_its_padding() -> None:
    # the RocketMQ client settings: a wide padded table, split in the middle, quoted the previous row's
    # values as column names ("maxMessageSize — 发送的结果如果不是SEND_OK状态…: 客户端验证…; boolean: int")
    header = (
        "| 名称          | 描述          | 默认值      |\n| ------------- | ------------- | ----------- |"
    )
    rows = "\n".join(
        f"| param{i}        | 第{i}个参数的说明，" + "很长" * 20 + f" | {i}          |" for i in range(40)
    )
    chunks = chunk_markdown(
        f"# 客户端配置\n\n前言。\n\n{header}\n{rows}\n\n后记。", max_chars=800, overlap=200
    )
    assert len(chunks) > 3
    tables = [c.text for c in chunks if "| param" in c.text]
    assert all(
        text.startswith("| 名称 | 描述 | 默认值 |\n| --- | --- | --- |\n| param") for text in tables[1:]
    )
    assert all(len(c.text) <= 800 for c in chunks)
    assert "  " not in "".join(line for c in chunks for line in c.text.split("\n") if line.startswith("|"))
    every_row = [line for text in tables for line in text.split("\n") if line.startswith("| param")]
    assert {row.split(" | ")[0] for row in every_row} == {f"| param{i}" for i in range(40)}
    assert chunks[-1].text.endswith("后记。")


def test_padding_inside_a_code_fence_is_kept() -> None:
    text = "# A\n\n```\n| col   | x |\n```\n\n| a   | b |\n| --- | --- |\n| 1   | 2 |"
    assert chunk_markdown(text)[0].text == "```\n| col   | x |\n```\n\n| a | b |\n| --- | --- |\n| 1 | 2 |"
    assert (
        chunk_markdown("| a | b |\n|:-------|------:|\n| 1 | 2 |")[0].text
        == "| a | b |\n|:---|---:|\n| 1 | 2 |"
    )


def test_bold_headings_lose_their_markers() -> None:
    chunks = chunk_markdown(
        "# Architecture\n\n### **Producer**\n\nSends.\n\n## 名字服务器 **NameServer**\n\n路由。\n\n## `__init__` hook\n\nx"
    )
    assert [c.heading for c in chunks] == ["Producer", "名字服务器 NameServer", "`__init__` hook"]


def test_a_fence_line_with_an_info_string_does_not_close_a_block() -> None:
    # RocketMQ's exporter page shows code with a second ```java line inside: every heading after it was lost
    text = "# A\n\n```java\nclass X {}\n```java\nmore code\n```\n\n## B\n\nAfter.\n\n~~~\n# no heading\n~~~~\n\n## C\n\nEnd."
    assert [c.heading for c in chunk_markdown(text)] == ["A", "B", "C"]


def test_triple_backticks_on_one_line_are_inline_code_not_a_block() -> None:
    # RocketMQ's dashboard page: "```namesrv.addr:port```" swallowed the rest of the page as code
    text = "# Deploy\n\nSet ```namesrv.addr:port``` first.\n```namesrv.addr:port```\n\n## Tutorial\n\nReset offsets here."
    chunks = chunk_markdown(text)
    assert [c.heading for c in chunks] == ["Deploy", "Tutorial"]
    assert split_sentences(chunks[0].text) == ["Set namesrv.addr:port first. namesrv.addr:port"]
    assert split_sentences("Intro.\n```sh\nrun it\n```java\nstill code\n```\nOutro.") == ["Intro.", "Outro."]


def test_a_part_that_stops_inside_code_closes_it_and_the_next_reopens_it() -> None:
    # APISIX: a long section split inside a ```shell block quoted '{ "role": "user", "content": …' as prose,
    # and the block's closing fence, read as an opening one, hid the prose after it
    code = "\n".join(f'  {{ "role": "user", "content": "question {i}" }},' for i in range(60))
    text = f"# Chat\n\nSend the request.\n\n```shell\ncurl -d '{{\n{code}\n}}'\n```\n\nYou should receive a reply.\n"
    chunks = chunk_markdown(text, max_chars=800, overlap=200)
    assert len(chunks) > 3
    for chunk in chunks:
        lines = chunk.text.split("\n")
        assert sum(line.startswith("```") for line in lines) % 2 == 0, chunk.text
        assert len(chunk.text) <= 800
    assert all(c.text.startswith("```shell") for c in chunks[1:-1])
    assert [s for c in chunks for s in split_sentences(c.text)] == [
        "Send the request.",
        "You should receive a reply.",
    ]


def test_html_tags_are_not_indexed_but_code_and_placeholders_are_kept() -> None:
    # DolphinScheduler's pages show screenshots as <img src="/img/new_ui/dev/…">: its path was indexed as words
    text = (
        '# UI\n\nOpen the page <img src="/img/new_ui/dev/alert.png" width="60%"/> and save.\n\n'
        "| a | b |\n| --- | --- |\n| x | one<br/>two |\n\nCall `<br>` or /routes/<id>.\n\n```html\n<img src=a.png>\n```"
    )
    assert chunk_markdown(text)[0].text == (
        "Open the page  and save.\n\n| a | b |\n| --- | --- |\n| x | one two |\n\nCall `<br>` or /routes/<id>.\n\n"
        "```html\n<img src=a.png>\n```"
    )


def test_headings_lose_html_tags_but_keep_placeholders() -> None:
    # one rule for headings and text: TiDB's "### The `Unknown column '<alias>.<column>'` error …" keeps its
    # placeholders, an anchor tag goes
    chunks = chunk_markdown(
        "# Errors\n\n### The `Unknown column '<alias>.<column>'` error\n\nUse the alias.\n\n"
        '## <a id="dr"></a>Disaster recovery <sup>beta</sup>\n\nTwo regions.'
    )
    assert [c.heading for c in chunks] == [
        "The `Unknown column '<alias>.<column>'` error",
        "Disaster recovery beta",
    ]


def test_head_script_and_style_elements_are_no_content_but_code_keeps_them() -> None:
    # APISIX opens every plugin page with <head><link rel="canonical" …/></head>: it became a section of its
    # own, quoted and indexed as words ("canonical", "api7")
    page = (
        '<head>\n  <link rel="canonical" href="https://docs.api7.ai/hub/limit-count" />\n</head>\n\n'
        "## Description\n\nLimits requests.\n\n"
        "```html\n<head>\n<title>502 Bad Gateway</title>\n</head>\n```\n\n"
        "<script>track();</script>\nAfter.\n\n<style>\np { color: red }\n"
    )
    chunks = chunk_markdown(page)
    assert [c.heading for c in chunks] == ["Description"]
    # the example page in the code block stays; an element never closed is left as it is, not the rest
    # of the page swallowed
    assert chunks[0].text == (
        "Limits requests.\n\n```html\n<head>\n<title>502 Bad Gateway</title>\n</head>\n```\n\n"
        "After.\n\n<style>\np { color: red }"
    )
