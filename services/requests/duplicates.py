"""Duplicate detection across languages and platforms, over an inverted token index.

Text is tokenised like the knowledge base (`knowledge.tokenize.tokens`: jieba for Chinese, Snowball
stems for English), then normalised: a small bilingual glossary (`data/glossary.txt`, a deployer's to edit) maps
common Chinese product words to their English term (登录 → login, 导出 → export …) and filler words
(`data/filler-words.txt`: support / 支持, customer / 客户 …) are dropped. So
"支持 SAML SSO 登录" and "SAML SSO login" share {saml, sso, login}.

Similarity between a new text q and an open request d:
  coverage_q = Σ idf(shared) / Σ idf(q)          (how much of what the rep wrote d already says)
  coverage_d = |shared| / |tokens(d)|            (how much of d the new text covers)
  similarity = √(coverage_q × coverage_d)         in [0, 1]; ≥ 0.5 is offered as a duplicate.
idf(t) = ln(1 + N / df(t)) comes from the index itself. Candidates are only requests sharing one of the
rarest query tokens, so a lookup touches a few thousand index rows, not the whole table.

With the knowledge base's embedding model (`services.knowledge.embedder`: the bundled multilingual-e5 or an
endpoint), the `SEMANTIC_CANDIDATES` most recent open requests are also compared by meaning, in either
language ("SAML single sign-on with Okta" ≈ "SSO login via Okta", "支持企业微信审批流" ≈ "approvals inside
WeCom"), with the calibrated rules of `knowledge.semantic` — a cosine threshold per language pair, and no
swapped slot ("Teams integration" is not "Slack integration", though e5 scores them 0.93). The swapped-slot
rule also vets token matches then. Request vectors are stored in `knowledge_vector` (model, text hash), so each
description is embedded once. Without a model the token similarity alone decides, as before.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.models.requests import FeatureRequest, RequestToken
from knowledge.embedding import Embedder
from knowledge.semantic import best_across_languages, same_meaning, search_hits, swapped_slot, text_vectors
from knowledge.tokenize import tokens as kb_tokens

logger = logging.getLogger(__name__)

SIMILARITY_THRESHOLD = 0.5
SEMANTIC_CANDIDATES = 500  # most recent open requests compared by meaning on each lookup
CANDIDATE_ROW_BUDGET = 5000  # index rows read to collect candidates
MAX_TOKENS = 64
MAX_TOKEN_LENGTH = 64

DATA = Path(__file__).with_name("data")


def _data_lines(name: str) -> list[str]:
    """The entries of `services/requests/data/NAME` (one per line, `#` comment lines)."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def glossary() -> dict[str, str]:
    """`data/glossary.txt`: a word as reps write it → the term it counts as (登录 → login, signin → login)."""
    pairs = (line.split("=", 1) for line in _data_lines("glossary.txt") if "=" in line)
    return {word.strip(): term.strip() for word, term in pairs if word.strip() and term.strip()}


@lru_cache(maxsize=1)
def filler_words() -> frozenset[str]:
    """`data/filler-words.txt`: words that say nothing about what is requested (support, 客户 …)."""
    return frozenset(_data_lines("filler-words.txt"))


@lru_cache(maxsize=1)
def _stop_terms() -> frozenset[str]:
    """The stop words as the tokenizer spells them (English ones stemmed: "features" → "featur")."""
    terms = set(filler_words())
    for word in filler_words():
        terms.update(kb_tokens(word, keep_stop_words=True))
    return frozenset(terms)


@lru_cache(maxsize=1)
def _glossary_terms() -> dict[str, tuple[str, ...]]:
    """Glossary keys and values in tokenizer spelling: 通知 → ("notif",), signin → ("login",)."""
    mapped: dict[str, tuple[str, ...]] = {}
    for key, value in glossary().items():
        target = tuple(kb_tokens(value, keep_stop_words=True)) or (value,)
        mapped[key] = target
        for spelled in kb_tokens(key, keep_stop_words=True):
            mapped.setdefault(spelled, target)
    return mapped


def normalize(raw: Iterable[str]) -> list[str]:
    """Glossary mapping and stop-word removal; order kept, duplicates dropped, at most MAX_TOKENS."""
    stop, glossary = _stop_terms(), _glossary_terms()
    seen: dict[str, None] = {}
    for token in raw:
        word = token.strip().lower()
        if not word or word in stop:
            continue
        for term in glossary.get(word, (word,)):
            if term in stop or len(term) > MAX_TOKEN_LENGTH or not any(ch.isalnum() for ch in term):
                continue
            if len(term) == 1 and not term.isascii():  # single Chinese characters are function words
                continue
            seen.setdefault(term, None)
    return list(seen)[:MAX_TOKENS]


def text_tokens(text: str) -> list[str]:
    """The normalised token set of a request text (what the index stores)."""
    raw = kb_tokens(text)
    # Glossary terms are often inside longer Chinese words the tokenizer keeps whole ("单点登录功能").
    extra = [term for term in glossary() if not term.isascii() and term in text]
    return normalize([*raw, *extra])


@dataclass(frozen=True)
class Match:
    request: FeatureRequest
    similarity: float


def index_request(*, session: Session, request_id: int, tokens: Iterable[str]) -> None:
    """Add tokens for a request (existing pairs are kept)."""
    existing = set(session.exec(select(RequestToken.token).where(col(RequestToken.request_id) == request_id)))
    for token in dict.fromkeys(tokens):
        if token not in existing:
            session.add(RequestToken(token=token, request_id=request_id))
    session.flush()


def similar_open_requests(
    *,
    session: Session,
    text: str,
    exclude_id: int | None = None,
    limit: int = 3,
    threshold: float = SIMILARITY_THRESHOLD,
    embedder: Embedder | None = None,
) -> list[Match]:
    """Open requests most similar to `text`, best first: token similarity ≥ `threshold`, or — with an
    `embedder` — the same meaning by `knowledge.semantic` (the similarity shown is then the cosine).
    If the model fails, the token scores stand."""
    scored = token_matches(session=session, text=text, exclude_id=exclude_id, threshold=threshold)
    if embedder is not None:
        scored = {
            rid: s
            for rid, s in scored.items()
            if not swapped_slot(text, _description(session, rid), terms=text_tokens)
        }
        for rid, cosine in semantic_matches(
            session=session, text=text, embedder=embedder, exclude_id=exclude_id, open_only=True
        ).items():
            scored[rid] = max(scored.get(rid, 0.0), cosine)
    if not scored:
        return []
    found = session.exec(select(FeatureRequest).where(col(FeatureRequest.id).in_(list(scored)))).all()
    matches = [Match(request=r, similarity=scored[r.id]) for r in found if r.id is not None]
    matches.sort(key=lambda m: (-m.similarity, -(m.request.rice), m.request.id or 0))
    return matches[:limit]


def _description(session: Session, request_id: int) -> str:
    request = session.get(FeatureRequest, request_id)
    return request.description if request is not None else ""


def token_matches(
    *, session: Session, text: str, exclude_id: int | None, threshold: float
) -> dict[int, float]:
    """Open requests (id → token similarity ≥ `threshold`), from the inverted token index."""
    query = text_tokens(text)
    if not query:
        return {}
    db = session.connection()  # plain rows: the postings do not need ORM objects
    df: dict[str, int] = {
        str(token): int(count)
        for token, count in db.execute(
            select(RequestToken.token, func.count())
            .where(col(RequestToken.token).in_(query))
            .group_by(col(RequestToken.token))
        )
    }
    total = session.exec(select(func.max(FeatureRequest.id))).one() or 0
    total = max(int(total), 1)
    idf = {t: math.log(1.0 + total / max(df.get(t, 0), 1)) for t in query}
    query_weight = sum(idf.values())
    present = sorted((t for t in query if df.get(t)), key=lambda t: df[t])
    if not present:
        return {}
    chosen: list[str] = []
    budget = 0
    for token in present:
        if chosen and budget + df[token] > CANDIDATE_ROW_BUDGET:
            break
        chosen.append(token)
        budget += df[token]
    partial: dict[int, float] = defaultdict(float)
    rows = db.execute(
        select(RequestToken.request_id, RequestToken.token)
        .where(col(RequestToken.token).in_(chosen))
        .limit(CANDIDATE_ROW_BUDGET)
    )
    for request_id, token in rows:
        if request_id != exclude_id:
            partial[request_id] += idf[token]
    if not partial:
        return {}
    best_ids = sorted(partial, key=lambda rid: partial[rid], reverse=True)[:50]
    open_ids = [
        int(rid)
        for (rid,) in session.execute(
            select(FeatureRequest.id).where(
                col(FeatureRequest.id).in_(best_ids),
                col(FeatureRequest.is_open).is_(True),
                col(FeatureRequest.merged_into_id).is_(None),
            )
        )
    ]
    if not open_ids:
        return {}
    tokens_of: dict[int, set[str]] = defaultdict(set)
    for request_id, token in db.execute(
        select(RequestToken.request_id, RequestToken.token).where(col(RequestToken.request_id).in_(open_ids))
    ):
        tokens_of[request_id].add(token)
    query_set = set(query)
    scored: dict[int, float] = {}
    for candidate_id in open_ids:
        theirs = tokens_of.get(candidate_id, set())
        shared = query_set & theirs
        if not shared:
            continue
        coverage_q = sum(idf[t] for t in shared) / query_weight
        coverage_d = len(shared) / len(theirs)
        similarity = round(math.sqrt(coverage_q * coverage_d), 3)
        if similarity >= threshold:
            scored[candidate_id] = similarity
    return scored


def semantic_matches(
    *,
    session: Session,
    text: str,
    embedder: Embedder,
    exclude_id: int | None = None,
    open_only: bool = True,
    rule: str = "duplicate",
) -> dict[int, float]:
    """Requests with the same meaning as `text` (id → cosine), among the `SEMANTIC_CANDIDATES` most recent
    (open ones when `open_only`). `rule` "duplicate": `knowledge.semantic.same_meaning`; "search": a query
    ("单点登录") finds what it names — `knowledge.semantic.search_hits`, no swapped slot."""
    statement = select(FeatureRequest.id, FeatureRequest.description).where(
        col(FeatureRequest.merged_into_id).is_(None)
    )
    if open_only:
        statement = statement.where(col(FeatureRequest.is_open).is_(True))
    rows = [
        (int(rid), str(description))
        for rid, description in session.execute(
            statement.order_by(col(FeatureRequest.id).desc()).limit(SEMANTIC_CANDIDATES)
        )
        if rid != exclude_id
    ]
    if not rows:
        return {}
    try:
        if rule == "duplicate":  # the new request's own vector is stored too: it is a request from now on
            vectors = text_vectors(session=session, embedder=embedder, texts=[text, *(d for _, d in rows)])
            asked = vectors.get(text)
        else:
            vectors = text_vectors(session=session, embedder=embedder, texts=[d for _, d in rows])
            asked = embedder.query(text)  # a search is a query: e5's asymmetric query vector
    except Exception:
        logger.warning("comparing requests by meaning failed; token similarity only", exc_info=True)
        return {}
    if asked is None:
        return {}
    found: dict[int, float] = {}
    for rid, description in rows:
        vector = vectors.get(description)
        if vector is None:
            continue
        cosine = round(float(vector @ asked), 3)
        if rule != "duplicate" or same_meaning(text, description, cosine=cosine, terms=text_tokens):
            found[rid] = cosine
    if rule != "duplicate":
        descriptions = dict(rows)
        hits = search_hits(found)
        return {
            rid: c for rid, c in hits.items() if not swapped_slot(text, descriptions[rid], terms=text_tokens)
        }
    if rule == "duplicate":  # across languages, only the best match is offered (module docstring)
        texts = {description: rid for rid, description in rows if rid in found}
        kept = best_across_languages(text, {d: found[rid] for d, rid in texts.items()})
        found = {texts[d]: c for d, c in kept.items()}
    return found
