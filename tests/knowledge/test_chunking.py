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
