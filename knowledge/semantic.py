"""Short texts matched by meaning — a new question against the questions PMs answered, a new feature request
against the open ones — with the knowledge base's embedding model, in either language.

Cosine similarity alone cannot decide it. multilingual-e5 scores a translation lower than a one-word swap:
"Teams integration" ↔ "Slack integration" 0.93, "Pay invoices with Alipay" ↔ "… with PayPal" 0.96, while
"Feishu integration" ↔ "飞书集成" is 0.85. So a match needs two things (`same_meaning`):

1. **No swapped slot.** When two texts share most of their content terms (at least `FRAME_SHARE` of the
   shorter one's) and each has a term the other lacks *in the same script* (Latin ↔ Latin, Chinese ↔
   Chinese), they are the same frame with a different filler — Teams vs Slack, Excel vs PDF, won vs lost —
   and not the same thing. A translation keeps no same-script leftovers ("Teams notifications" ↔ "Teams 通知"
   leaves nothing), a paraphrase shares too little to be a frame ("SAML single sign-on with Okta" ↔ "SSO
   login via Okta" share only Okta).
2. **Cosine above the calibrated threshold** — `CROSS_LANGUAGE_COSINE` between a Chinese and an English text;
   in one language, where e5 puts every pair on the same topic above 0.9, `SAME_LANGUAGE_NAMED_COSINE` when
   both texts name the same thing (Okta, IP, SCIM) and `SAME_LANGUAGE_COSINE` otherwise.
3. **Across languages, a shared term** — a name both write (Zapier, S3, Webhook) or a word the caller's
   `terms` translate (the requests glossary: 审批 → approval). e5-small puts unrelated short Chinese/English
   texts at 0.80–0.90 (619 of 2,310 unrelated pairs of our set score ≥ 0.83), so cosine cannot carry a
   translation alone; and a caller comparing one text with many keeps only the best cross-language match
   (`best_across_languages`).

Calibrated on 46 labelled request pairs and checked on 24 more written separately
(`tests/knowledge/semantic_pairs.py`; figures in docs/requests.md). Vectors are passage vectors stored in
`knowledge_vector` under the model's name and the text's hash (`knowledge.vectors`), so a text is embedded
once per model, whichever process needs it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.models.knowledge import KnowledgeVector
from knowledge.embedding import Embedder, text_hash
from knowledge.tokenize import named_terms
from knowledge.vectors import load_vectors

logger = logging.getLogger(__name__)

CROSS_LANGUAGE_COSINE = 0.83
SAME_LANGUAGE_NAMED_COSINE = 0.88  # same language, and both name the same thing (Okta, IP, SCIM)
SAME_LANGUAGE_COSINE = 0.93
FRAME_SHARE = 0.5
SEARCH_COSINE = 0.85  # e5 query vector of a search ("单点登录") ↔ a request it names ("SAML single sign-on")
SEARCH_MARGIN = 0.015  # search results by meaning: within this of the best one
MAX_EMBED_PER_CALL = 64  # texts embedded on one lookup; the rest on later ones (each ~20-30 ms on 2 cores)

Terms = Callable[[str], Iterable[str]]


def _is_cjk_term(term: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in term)


def is_chinese(text: str) -> bool:
    """Written in Chinese: a short text with Chinese words in it ("Zapier 集成" is, "Zapier" is a name)."""
    return sum(1 for ch in text if _is_cjk_term(ch)) >= 2


def _script(term: str, text: str) -> str:
    """ "latin" for a Latin term the text really writes ("Teams" in "Teams 通知"); "cjk" for a Chinese term or a
    glossary's translation of one (`terms` may map 短信 → "sms"): a filler is swapped only within one script."""
    return "latin" if term.isascii() and term.lower()[:4] in text.lower() else "cjk"


def swapped_slot(a: str, b: str, *, terms: Terms) -> bool:
    """Rule 1: the texts share a frame and differ in a same-script filler."""
    ta, tb = set(terms(a)), set(terms(b))
    shared = ta & tb
    if not shared or len(shared) < FRAME_SHARE * min(len(ta), len(tb)):
        return False
    left = {_script(t, a) for t in ta - tb}
    right = {_script(t, b) for t in tb - ta}
    return bool(left & right)


def shares_a_name(a: str, b: str) -> bool:
    """Both texts name the same thing (Okta, IP, SCIM — `knowledge.tokenize.named_terms`)."""
    return bool(named_terms(a) & named_terms(b))


def cosine_threshold(a: str, b: str) -> float:
    if is_chinese(a) != is_chinese(b):
        return CROSS_LANGUAGE_COSINE
    return SAME_LANGUAGE_NAMED_COSINE if shares_a_name(a, b) else SAME_LANGUAGE_COSINE


def same_meaning(a: str, b: str, *, cosine: float, terms: Terms) -> bool:
    """Rules 1–3 (module docstring)."""
    if cosine < cosine_threshold(a, b) or swapped_slot(a, b, terms=terms):
        return False
    return is_chinese(a) == is_chinese(b) or bool(set(terms(a)) & set(terms(b)))


def is_cross_language(a: str, b: str) -> bool:
    return is_chinese(a) != is_chinese(b)


def best_across_languages(text: str, matches: dict[str, float]) -> dict[str, float]:
    """Of the texts matched to `text` (text → cosine), the same-language ones and the best other-language one."""
    other = [t for t in matches if is_cross_language(text, t)]
    best = max(other, key=lambda t: matches[t], default=None)
    return {t: c for t, c in matches.items() if t not in other or t == best}


def text_vectors(*, session: Session, embedder: Embedder, texts: Sequence[str]) -> dict[str, Any]:
    """Passage vectors of `texts` (text → np.ndarray), from `knowledge_vector` or embedded now and stored
    there through `session` (committed with it). At most MAX_EMBED_PER_CALL new texts are embedded; the
    others are left out this time."""
    import numpy as np

    by_hash = {text_hash(t): t for t in dict.fromkeys(texts) if t.strip()}
    stored = load_vectors(session=session, model=embedder.name, hashes=by_hash)
    found = {by_hash[h]: np.frombuffer(blob, dtype=np.float32) for h, blob in stored.items()}
    missing = [h for h in by_hash if h not in stored][:MAX_EMBED_PER_CALL]
    if missing:
        vectors = embedder.passages([by_hash[h] for h in missing])
        for digest, vector in zip(missing, vectors, strict=True):
            found[by_hash[digest]] = np.asarray(vector, dtype=np.float32)
        _store(session=session, model=embedder.name, items=[(h, found[by_hash[h]]) for h in missing])
    return found


def _store(*, session: Session, model: str, items: Sequence[tuple[str, Any]]) -> None:
    import numpy as np

    for digest, vector in items:
        try:
            with session.begin_nested():
                blob = np.asarray(vector, dtype=np.float32).tobytes()
                session.add(KnowledgeVector(model=model, text_hash=digest, vector=blob))
        except IntegrityError:  # another process stored the same text meanwhile: the same vector
            continue


def passage_vector(*, embedder: Embedder, text: str) -> Any:
    """A new text's vector for comparing with stored texts of the same kind (question ↔ question)."""
    return embedder.passages([text])[0]


def search_hits(similarities: dict[int, float]) -> dict[int, float]:
    """A search by meaning (id → cosine of the e5 *query* vector): the best ones, above `SEARCH_COSINE` and
    within `SEARCH_MARGIN` of the best — unrelated short texts sit only a few hundredths lower."""
    best = max(similarities.values(), default=0.0)
    floor = max(SEARCH_COSINE, best - SEARCH_MARGIN)
    return {key: cosine for key, cosine in similarities.items() if cosine >= floor}
