"""Duplicate detection across languages and platforms, over an inverted token index.

Text is tokenised like the knowledge base (`knowledge.tokenize.tokens`: jieba for Chinese, Snowball
stems for English), then normalised: a small bilingual glossary maps common Chinese product words to their English
term (登录 → login, 导出 → export …) and filler words (support / 支持, customer / 客户 …) are dropped. So
"支持 SAML SSO 登录" and "SAML SSO login" share {saml, sso, login}.

Similarity between a new text q and an open request d:
  coverage_q = Σ idf(shared) / Σ idf(q)          (how much of what the rep wrote d already says)
  coverage_d = |shared| / |tokens(d)|            (how much of d the new text covers)
  similarity = √(coverage_q × coverage_d)         in [0, 1]; ≥ 0.5 is offered as a duplicate.
idf(t) = ln(1 + N / df(t)) comes from the index itself. Candidates are only requests sharing one of the
rarest query tokens, so a lookup touches a few thousand index rows, not the whole table. When an embedding
model is configured (`OPENAI_EMBEDDING_MODEL`), the ten best token candidates are re-scored by embedding
cosine (≥ 0.85 counts), which catches paraphrases that share only a term or two.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.models.requests import FeatureRequest, RequestToken

logger = logging.getLogger(__name__)

SIMILARITY_THRESHOLD = 0.5
EMBEDDING_FLOOR = 0.2  # with embeddings configured, token candidates from this similarity are re-scored
EMBEDDING_THRESHOLD = 0.85  # cosine similarity of embeddings that counts as a duplicate
EMBEDDING_CANDIDATES = 10

Embedder = Callable[[Sequence[str]], list[list[float]]]  # `LLM.embed`: texts → vectors, in order
CANDIDATE_ROW_BUDGET = 5000  # index rows read to collect candidates
MAX_TOKENS = 64
MAX_TOKEN_LENGTH = 64

GLOSSARY = {
    "登录": "login",
    "登陆": "login",
    "单点登录": "sso",
    "导出": "export",
    "导入": "import",
    "报表": "report",
    "报告": "report",
    "权限": "permission",
    "角色": "role",
    "集成": "integration",
    "接口": "api",
    "审计": "audit",
    "日志": "log",
    "备份": "backup",
    "恢复": "restore",
    "加密": "encryption",
    "通知": "notification",
    "搜索": "search",
    "仪表盘": "dashboard",
    "看板": "dashboard",
    "移动端": "mobile",
    "手机": "mobile",
    "多租户": "multitenancy",
    "租户": "tenant",
    "用户": "user",
    "同步": "sync",
    "迁移": "migration",
    "性能": "performance",
    "告警": "alert",
    "报警": "alert",
    "审批": "approval",
    "工作流": "workflow",
    "流程": "workflow",
    "模板": "template",
    "批量": "bulk",
    "自定义": "custom",
    "字段": "field",
    "离线": "offline",
    "双因素": "2fa",
    "多因素": "mfa",
    "认证": "authentication",
    "身份验证": "authentication",
    "中文": "chinese",
    "英文": "english",
    "暗色": "dark",
    "深色": "dark",
    "模式": "mode",
    "主题": "theme",
    "数据库": "database",
    "私有化": "onpremise",
    "部署": "deployment",
    "对接": "integration",
    "表格": "spreadsheet",
    "文件": "file",
    "附件": "attachment",
    "上传": "upload",
    "下载": "download",
    "日历": "calendar",
    "邮件": "email",
    "邮箱": "email",
    "短信": "sms",
    "支付": "payment",
    "发票": "invoice",
    "合同": "contract",
    "签名": "signature",
    "电子签名": "esignature",
    "logon": "login",
    "signin": "login",
}
_STOPWORD_TEXT = (
    "a an the to of for in on at by with and or is are be it its this that we they our their my your "
    "can could should would will please need needs want wants like support supports supported feature "
    "features request requests customer customers client clients ask asks asked add adding allow allows "
    "able have has more better new via from into as not no also some any all so do does "
    "支持 需要 希望 客户 功能 需求 请 能 能够 可以 一个 的 了 和 与 及 在 对 把 吗 呢 也 都 要 想 增加 添加 提供 实现 "
    "是否 还 就 让 给 用 上 中 个 单点"
)
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _kb_tokens(text: str) -> list[str]:
    from knowledge.tokenize import tokens

    return tokens(text)


@lru_cache(maxsize=1)
def _stop_terms() -> frozenset[str]:
    """The stop words as the tokenizer spells them (English ones stemmed: "features" → "featur")."""
    from knowledge.tokenize import tokens

    terms = set(STOPWORDS)
    for word in STOPWORDS:
        terms.update(tokens(word, keep_stop_words=True))
    return frozenset(terms)


@lru_cache(maxsize=1)
def _glossary_terms() -> dict[str, tuple[str, ...]]:
    """Glossary keys and values in tokenizer spelling: 通知 → ("notif",), signin → ("login",)."""
    from knowledge.tokenize import tokens

    mapped: dict[str, tuple[str, ...]] = {}
    for key, value in GLOSSARY.items():
        target = tuple(tokens(value, keep_stop_words=True)) or (value,)
        mapped[key] = target
        for spelled in tokens(key, keep_stop_words=True):
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
    raw = _kb_tokens(text)
    # Glossary terms are often inside longer Chinese words the tokenizer keeps whole ("单点登录功能").
    extra = [term for term in GLOSSARY if not term.isascii() and term in text]
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
    embed: Embedder | None = None,
) -> list[Match]:
    """Open requests most similar to `text`, best first, each at least `threshold` similar.

    With `embed` (an OpenAI-compatible embedding model is configured), the best token candidates down to
    `EMBEDDING_FLOOR` are re-scored by embedding cosine, so paraphrases that share only a term or two are
    found too; if the embedding call fails, the token scores stand.
    """
    query = text_tokens(text)
    if not query:
        return []
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
        return []
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
        return []
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
        return []
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
        if similarity >= (min(threshold, EMBEDDING_FLOOR) if embed is not None else threshold):
            scored[candidate_id] = similarity
    if not scored:
        return []
    found = session.exec(select(FeatureRequest).where(col(FeatureRequest.id).in_(list(scored)))).all()
    if embed is not None:
        scored = _rescore_with_embeddings(text, list(found), scored, embed=embed, threshold=threshold)
    matches = [Match(request=r, similarity=scored[r.id]) for r in found if r.id is not None]
    matches.sort(key=lambda m: (-m.similarity, -(m.request.rice), m.request.id or 0))
    return matches[:limit]


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


def _rescore_with_embeddings(
    text: str, found: list[FeatureRequest], scored: dict[int, float], *, embed: Embedder, threshold: float
) -> dict[int, float]:
    """Keep candidates whose token score passes `threshold` or whose embedding cosine passes
    EMBEDDING_THRESHOLD; the similarity shown is the higher of the two."""
    best = sorted((r for r in found if r.id is not None), key=lambda r: -scored[r.id or 0])[
        :EMBEDDING_CANDIDATES
    ]
    try:
        vectors = embed([text, *(r.description for r in best)])
    except Exception:
        logger.warning("embedding duplicate check failed; using token similarity only", exc_info=True)
        return {rid: score for rid, score in scored.items() if score >= threshold}
    result = {rid: score for rid, score in scored.items() if score >= threshold}
    for request, vector in zip(best, vectors[1:], strict=False):
        assert request.id is not None
        cosine = round(_cosine(vectors[0], vector), 3)
        if cosine >= EMBEDDING_THRESHOLD:
            result[request.id] = max(result.get(request.id, 0.0), cosine)
    return result
