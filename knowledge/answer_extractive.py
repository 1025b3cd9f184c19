"""Extractive answers: the most relevant sentences of the best sections, quoted with their citations.

The embedded default (no LLM). Sections are split into sentences in a way that works for Chinese and
English (。！？；, ". " before a capital, bullets, table rows turned into "row — column: value" sentences),
each sentence is scored against the question's terms (`knowledge.tokenize.tokens`, rarer terms weigh more),
and the best few are quoted in document order under their section's citation number. The sections whose own
evidence the answer decision found strong (`SearchResult.supporting`) each quote their best sentence, and
come first; another section is quoted only when it holds the best sentence of all — so a lower section
repeating a rare word of the question neither crowds out the section the retrieval found nor adds a bullet
about something else.

A verdict ("Yes." / "No, …" / "可以。" / "不支持，…") answers the question of the heading it sits under. It is
quoted only when that heading states the question asked (the question's most distinctive term and most of
its weight) and is mostly about it (the question holds most of the heading's own weight); otherwise a bare
verdict is left out and a leading one is cut from its sentence, so an answer never opens with a "Yes" that
belongs to another question. When no sentence shares a term with the question, nothing is quoted (the
caller says it is not sure) — the lead of a section about something else is not an answer.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from knowledge.chunking import TABLE_RULE, code_fence, strip_html_tags
from knowledge.tokenize import tokens
from knowledge.types import Hit

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Split after Chinese sentence punctuation, or after . ! ? followed by whitespace (not "8.5", not "e.g. x").
_SENTENCE_END = re.compile(rf"(?<=[。！？；!?])\s*|(?<=[.;])\s+(?=[A-Z0-9\"'“(\[{_CJK}*_`])")
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)、])\s+")
_FRONT_MATTER_KEY = re.compile(r"^[a-z_]+:\s")
_MARKUP = re.compile(r"\*\*|__|`")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_OUTLINE_NUMBER = re.compile(r"^\s*\d+(?:\.\d+)*[.)、]?\s+")  # "1.1.12 TiDB 中列数…": numbering, no topic
_LABEL = re.compile(r"^\*\*([^*]+?)[:：]?\*\*\s*[:：]?$")  # "**原因**", "**Solution:**" alone on a line

MAX_SENTENCES = 4
MIN_SHARE = 0.5  # a sentence is quoted when it scores at least this share of the best one
HEADER_WEIGHT = 0.25  # a table's column names, repeated in every row, count this much
LIST_ITEMS = 4  # items brought along by a sentence ending with ":"
SHORT = 25  # a bare "No." / "可以。" shorter than this brings the next sentence along (its reason)
MAX_CHARS = 700
LEAD_SECTIONS = 3  # without the decision's word, the retrieval's first sections are the supporting ones
LEAD_SHARE = 0.3  # a supporting section speaks when its best sentence scores this share of the best one
# a heading states the question when it holds this share of the question's weight and the question this
# share of the heading's own
STATES_SHARE = 0.5

# A verdict word followed by punctuation (or nothing): "Yes." "No —" "Correct," "可以。" "不支持，"
_VERDICT = re.compile(
    r"^\s*(?:(?:yes|no|nope|yep|yeah|correct|incorrect|right|sure|absolutely|definitely|indeed|of course|not yet)"
    r"(?=[\s]*(?:[,.;:!—–-]|$))"
    r"|(?:可以|不可以|支持|不支持|暂不支持|目前不支持|能|不能|是的|是|不是|有|没有|对|不对|行|不行|当然|会|不会)"
    r"(?=\s*(?:[，,。.！!；;：:—]|$)))"
    r"[\s,.;:!—–\-，。！；：]*",
    re.IGNORECASE,
)


def strip_verdict(sentence: str) -> str:
    """The sentence without a leading verdict ("" when it is nothing but one)."""
    rest = sentence
    while (match := _VERDICT.match(rest)) is not None and match.end() > 0:  # "是的，支持。"
        rest = rest[match.end() :].strip()
    if rest == sentence:
        return sentence
    return rest[:1].upper() + rest[1:] if rest[:1].isascii() else rest


@dataclass(frozen=True)
class Sentence:
    text: str
    position: int  # order inside its section
    length: int = 0  # content terms it is judged by (its cells, for a table row)


@dataclass(frozen=True)
class Quote:
    """Sentences chosen from one section, in document order."""

    hit: Hit
    sentences: tuple[str, ...]
    score: float


def plain_text(line: str) -> str:
    """A Markdown line as plain text: no emphasis or code marks, no images, no HTML tags (`<br/>` in a table cell,
    `<details><summary>`), links as their label, spaces collapsed. Placeholders such as `<id>` are no HTML
    tags and stay."""
    line = _MARKUP.sub("", strip_html_tags(line))
    line = _IMAGE.sub("", line)  # ![diagram](a.png): nothing a rep can forward
    line = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", line)  # [label](url) → label
    return re.sub(r"\s+", " ", line).strip()


_CJK_OR_PUNCT = rf"[{_CJK}\u3000-\u303f\uff00-\uffef]"


def _join(parts: list[str]) -> str:
    """Join wrapped lines: no space between Chinese characters or punctuation, one space otherwise."""
    out = ""
    for part in parts:
        if out and not (re.search(f"{_CJK_OR_PUNCT}$", out) or re.match(_CJK_OR_PUNCT, part)):
            out += " "
        out += part
    return out


def _table_sentences(rows: list[list[str]]) -> list[tuple[str, str]]:
    """Each body row as "first cell — column: value; …", with its cells alone (the length it is judged by:
    the repeated column names would otherwise make every row look long)."""
    if not rows:
        return []
    header, body = rows[0], rows[1:]
    if not body:
        line = " · ".join(c for c in header if c)
        return [(line, line)]
    out = []
    for row in body:
        cells = list(row)
        if not any(cells):
            continue
        pairs = [
            f"{header[i]}: {cell}" if i < len(header) and header[i] else cell
            for i, cell in enumerate(cells[1:], start=1)
            if cell
        ]
        out.append((f"{cells[0]} — " + "; ".join(pairs) if pairs else cells[0], " ".join(cells)))
    return out


def split_sentences(text: str) -> list[str]:
    """Sentences of a Markdown-ish section, in order; headings, fences and table rules are dropped."""
    return [sentence for sentence, _ in split_units(text)]


def split_units(text: str) -> list[tuple[str, str]]:
    """(sentence, the text its length is judged by) pairs; see `split_sentences`."""
    units: list[tuple[str, str]] = []
    paragraph: list[str] = []
    table: list[list[str]] = []
    fence = ""
    label: list[str] = []  # a bold line standing alone ("- **原因**"): it leads the next sentence

    def flush_paragraph() -> None:
        if paragraph:
            sentences = _split_paragraph(_join(paragraph))
            if label and sentences:
                colon = "：" if re.search(f"[{_CJK}]", label[0]) else ": "
                sentences[0] = f"{label[0]}{colon}{sentences[0]}"
            units.extend((s, s) for s in sentences)
            paragraph.clear()
            label.clear()

    def flush_table() -> None:
        if table:
            units.extend(_table_sentences(table))
            table.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith(">"):  # a quoted note reads like the page's own lines: its list items, its code
            line = line.lstrip("> ")
        inside, fence = fence, code_fence(line, fence)
        if inside or fence:  # code, or the fence opening or closing it: no sentences
            flush_paragraph()
            flush_table()
            label.clear()
            if fence and not inside and units and units[-1][0].endswith((":", "：")):
                units.pop()  # "Create a Route configured as such:" says nothing without its code
            continue
        if line.startswith("|"):
            flush_paragraph()
            label.clear()
            if TABLE_RULE.match(line):
                continue
            table.append([plain_text(c) for c in line.strip("|").split("|")])
            continue
        flush_table()
        if not line:
            flush_paragraph()
            continue
        if line.startswith("#") or line == "---":
            flush_paragraph()
            label.clear()
            continue
        if (bold := _LABEL.match(_BULLET.sub("", line))) is not None:
            flush_paragraph()
            label[:] = [plain_text(bold.group(1))]
            continue
        if _BULLET.match(line):
            flush_paragraph()
            paragraph.append(plain_text(_BULLET.sub("", line)))
            flush_paragraph()
            continue
        paragraph.append(plain_text(line))
    flush_paragraph()
    flush_table()
    kept: dict[str, tuple[str, str]] = {}  # a sentence repeated (the same steps under each tab) counts once
    for unit in units:
        if len(unit[0]) > 1:
            kept.setdefault(unit[0], unit)
    return list(kept.values())


def _split_paragraph(paragraph: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(paragraph) if s and s.strip()]


def _weights(
    query_terms: set[str], sentences: Sequence[set[str]], idf: dict[str, float] | None = None
) -> dict[str, float]:
    """Rarer query terms weigh more: rarer in the knowledge base (`idf`, when known) and among the
    candidate sentences."""
    df: Counter[str] = Counter()
    for terms in sentences:
        df.update(terms & query_terms)
    n = max(len(sentences), 1)
    local = {t: math.log(1 + n / (1 + df[t])) + 0.5 for t in query_terms}
    if not idf:
        return local
    known = [idf[t] for t in query_terms if t in idf]
    typical = sum(known) / len(known) if known else 1.0
    # the corpus idf relative to the question's typical term: 1 for an average term, ~0 for a word that
    # is everywhere (the product's name), more for a rare one
    return {t: local[t] * max(idf.get(t, typical), 0.05) / (typical or 1.0) for t in query_terms}


def select_quotes(
    query: str,
    hits: Sequence[Hit],
    *,
    max_sentences: int = MAX_SENTENCES,
    max_chars: int = MAX_CHARS,
    term_weights: dict[str, float] | None = None,
    leads: Collection[int] | None = None,
) -> list[Quote]:
    """The best sentences of `hits` for `query`, grouped by section in rank order; `term_weights`: the
    knowledge base's idf of the question's terms; `leads`: ids of the sections the answer decision found
    supporting (`SearchResult.supporting`; None: the first `LEAD_SECTIONS` hits)."""
    if not hits:
        return []
    query_terms = set(tokens(query))
    # (hit index, sentence, its own terms, its table-header terms, rank prior, query terms its heading matches)
    candidates: list[tuple[int, Sentence, set[str], set[str], float, set[str]]] = []
    heading_terms_of: list[set[str]] = []
    for index, hit in enumerate(hits):
        # The retrieval's order (lexical and semantic evidence fused) decides which section speaks first;
        # a lower section's sentence must share clearly more of the question to be quoted before it.
        prior = 1.0 / (1.0 + 0.25 * index)
        heading_terms = set(tokens(" ".join((*hit.section.headings, hit.section.heading)))) & query_terms
        heading_terms_of.append(heading_terms)
        for position, (text, basis) in enumerate(split_units(hit.section.text)):
            terms = set(tokens(text))
            own = terms if basis == text else set(tokens(basis))  # a table row: its cells
            candidates.append(
                (index, Sentence(text, position, len(own)), own, terms - own, prior, heading_terms)
            )
    if not candidates:
        return []
    own_headings = [set(tokens(_OUTLINE_NUMBER.sub("", hit.section.heading))) for hit in hits]
    all_weights = _weights(query_terms.union(*own_headings), [c[2] | c[3] for c in candidates], term_weights)
    weights = {t: all_weights[t] for t in query_terms}
    chinese_terms = {t for t in query_terms if re.fullmatch(f"[{_CJK}]+", t)}
    query_weight = sum(weights.values()) or 1.0
    # The question's most distinctive term ("SSO" in "Does LumenCRM support SSO?"): a heading that lacks it
    # states a different question ("Does LumenCRM support HIPAA?"), however many other words it shares. And
    # the heading must be mostly about what is asked: "Does TiDB have a function like the Flashback Query in
    # Oracle?" shares "TiDB" and "Oracle" with "Does TiDB support Oracle as a source for DM?", but its "Yes"
    # is about flashback queries.
    focus = max(sorted(query_terms), key=lambda t: weights[t]) if query_terms else ""
    states = [
        focus in heading
        and sum(weights[t] for t in heading) >= STATES_SHARE * query_weight
        and sum(all_weights[t] for t in words & query_terms)
        >= STATES_SHARE * sum(all_weights[t] for t in words)
        for heading, words in zip(heading_terms_of, own_headings, strict=True)
    ]
    if not all(states):  # under a heading asking something else, a verdict is not this question's answer
        candidates = [
            (
                index,
                sentence if states[index] else replace(sentence, text=strip_verdict(sentence.text)),
                own,
                header,
                prior,
                heading,
            )
            for index, sentence, own, header, prior, heading in candidates
        ]
    scored: list[tuple[float, int, Sentence]] = []
    for index, sentence, own, header, prior, heading in candidates:
        if not sentence.text:  # a bare verdict under another question's heading
            continue
        # Column names repeat in every row of a table: they count little, the row's own cells decide.
        overlap = sum(weights[t] for t in own & query_terms) + HEADER_WEIGHT * sum(
            weights[t] for t in (header - own) & query_terms
        )
        # jieba may cut a Chinese word differently in the question and the sentence (列 / 列数): written
        # inside the sentence, it is shared
        overlap += sum(weights[t] for t in chinese_terms - own - header if t in sentence.text)
        # Under a heading that states most of the question ("## Does it support HIPAA?", "## LumenCRM 5.2"),
        # the sentences answer it even when they repeat none of its words; the first one most of all.
        heading_bonus = 0.0
        if states[index]:
            missing = sum(weights[t] for t in heading - own - header)
            heading_bonus = missing * (0.7 if sentence.position == 0 else 0.4)
        length_norm = 1.0 + 0.15 * math.log(1 + sentence.length)
        scored.append((prior * (overlap + heading_bonus) / length_norm, index, sentence))
    scored.sort(key=lambda s: (-s[0], s[1], s[2].position))
    if not scored or scored[0][0] <= 0:  # no sentence says anything the question asks
        return []
    best = scored[0][0]
    chosen: dict[int, list[Sentence]] = {}
    best_of: dict[int, float] = {}  # each quoted section's best sentence score
    total = count = 0
    said: set[str] = set()  # documentation repeats itself: a sentence two sections share is quoted once
    # The sections the answer decision found supporting each speak first (their best sentence, unless it
    # shares next to nothing with the question); any other section only when it holds the best sentence
    # of all. The retrieval's evidence says where the answer is: a lower section repeating a rare word of
    # the question must not crowd the supporting ones out, nor add a bullet about something else.
    speaking = (
        set(range(LEAD_SECTIONS))
        if leads is None
        else {index for index, hit in enumerate(hits) if hit.section.id in leads}
    )
    quoted = speaking | {scored[0][1]}
    firsts: dict[int, tuple[float, int, Sentence]] = {}
    for item in scored:
        firsts.setdefault(item[1], item)
    lead_quotes = [item for i, item in firsts.items() if i in speaking and item[0] >= LEAD_SHARE * best]
    for lead, (score, index, sentence) in [*((True, q) for q in lead_quotes), *((False, q) for q in scored)]:
        if index not in quoted:
            continue
        if count >= max_sentences or (score < MIN_SHARE * best and not lead):
            break
        if (total and total + len(sentence.text) > max_chars) or sentence.text.casefold() in said:
            continue
        said.add(sentence.text.casefold())
        chosen.setdefault(index, []).append(sentence)
        best_of.setdefault(index, score)
        total += len(sentence.text)
        count += 1
    sentences_of: dict[int, list[Sentence]] = {}
    for index, sentence, *_ in candidates:
        sentences_of.setdefault(index, []).append(sentence)
    quotes = []
    # the supporting sections first (the decision's evidence), each group by its best sentence
    for index in sorted(chosen, key=lambda i: (i not in speaking, -best_of[i])):
        picked = {s.position: s for s in chosen[index]}
        section_sentences = sentences_of[index]
        for sentence in list(picked.values()):
            following = sentence.position + 1
            if sentence.text.endswith((":", "：")):  # it introduces a list: the list is the answer
                for extra in section_sentences[following : following + LIST_ITEMS]:
                    picked.setdefault(extra.position, extra)
            elif sentence.length <= 1 and len(sentence.text) < SHORT and following < len(section_sentences):
                picked.setdefault(following, section_sentences[following])
        quotes.append(
            Quote(
                hit=hits[index],
                sentences=tuple(picked[p].text for p in sorted(picked) if picked[p].text),
                score=best_of[index],
            )
        )
    return quotes
