"""jieba's word-frequency dictionary as a compact, memory-mapped trie.

`jieba.Tokenizer` keeps its dictionary in `FREQ`, a Python dict of ~498,000 str → int entries (349k words
plus 149k zero-frequency prefixes): ~81 MB of RSS in every process that segments Chinese. Here the same
entries live in a `marisa_trie.Trie` (word → key id) plus an array of uint32 frequencies indexed by key id,
~3.4 MB in one cache file that is built once (in a child process, so the serving process never holds the
dict) and memory-mapped afterwards. `CompactFrequencies` wraps it as the `MutableMapping` jieba expects;
words added later (`add_word`, `suggest_freq`) go to a small overlay dict. `CompactTokenizer` answers
`get_DAG` and `calc` with the same arithmetic as jieba's, reading the trie without a method call per
lookup. Segmentation is bit-identical to a plain `jieba.Tokenizer()`: the entries, their order of
precedence and the total are jieba's own (`Tokenizer.gen_pfdict` builds them).

Cache file (native byte order): magic, format, total, entry count, `count` uint32 frequencies, then the
trie's bytes. It is named after a hash of the dictionary file, so a new jieba dictionary builds a new one.

    python -m knowledge.jieba_dict [--dictionary PATH] [--target PATH]    # build the cache file now
"""

from __future__ import annotations

import argparse
import array
import hashlib
import mmap
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Iterator, MutableMapping
from importlib.metadata import version
from math import log
from pathlib import Path
from typing import Any

MAGIC = b"SBJIEBA\x00"
FORMAT = 1
_HEADER = 8 + 8 + 8 + 8  # magic, format, total, count
_MAX_U32 = 2**32 - 1


def default_dictionary() -> Path:
    """jieba's bundled dictionary (`dict.txt`), the one a plain `jieba.Tokenizer()` loads."""
    import jieba

    return Path(jieba.__file__).resolve().parent / "dict.txt"


def cache_dir() -> Path:
    """`$SALESBRIDGE_CACHE_DIR`, else `$XDG_CACHE_HOME/salesbridge`, else `~/.cache/salesbridge`."""
    explicit = os.environ.get("SALESBRIDGE_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "salesbridge"


def cache_name(*, dictionary: Path) -> str:
    digest = hashlib.sha1(dictionary.read_bytes()).hexdigest()[:16]
    return f"jieba-freq-{digest}-f{FORMAT}-marisa{version('marisa-trie')}-{sys.byteorder}.bin"


def build_cache_file(*, dictionary: Path, target: Path) -> Path:
    """Build the frequencies of `dictionary` exactly as jieba does and write them to `target` atomically."""
    import jieba
    import marisa_trie

    with dictionary.open("rb") as handle:
        frequencies, total = jieba.Tokenizer.gen_pfdict(handle)
    if total > _MAX_U32 or any(value < 0 or value > _MAX_U32 for value in frequencies.values()):
        raise ValueError(f"{dictionary}: frequencies do not fit in 32 bits")
    trie = marisa_trie.Trie(frequencies.keys())
    values = array.array("I", bytes(4 * len(trie)))
    for word, frequency in frequencies.items():
        values[trie[word]] = frequency
    header = MAGIC + FORMAT.to_bytes(8, sys.byteorder) + total.to_bytes(8, sys.byteorder)
    header += len(trie).to_bytes(8, sys.byteorder)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(header)
            out.write(values.tobytes())
            out.write(trie.tobytes())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return target


class CompactFrequencies(MutableMapping[str, int]):
    """jieba's FREQ: a read-only trie of word → frequency with a mutable overlay for added words."""

    def __init__(self, *, trie: Any, values: Any, total: int, buffer: Any = None) -> None:
        self._trie = trie
        self._values = values
        self._buffer = buffer  # keeps the mmap alive while the trie and values read from it
        self.base_total = total
        self.overlay: dict[str, int] = {}
        self._removed: set[str] = set()

    @classmethod
    def from_file(cls, path: Path) -> CompactFrequencies:
        import marisa_trie

        with path.open("rb") as handle:
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(buffer)
        try:
            if len(view) < _HEADER or bytes(view[:8]) != MAGIC:
                raise ValueError(f"{path}: not a jieba frequency cache")
            if int.from_bytes(view[8:16], sys.byteorder) != FORMAT:
                raise ValueError(f"{path}: unknown format")
            total = int.from_bytes(view[16:24], sys.byteorder)
            count = int.from_bytes(view[24:32], sys.byteorder)
            values_end = _HEADER + 4 * count
            values = view[_HEADER:values_end].cast("I")
            trie = marisa_trie.Trie()
            trie.map(view[values_end:])
            if len(trie) != count:
                raise ValueError(f"{path}: truncated")
        except Exception:
            view.release()
            buffer.close()
            raise
        return cls(trie=trie, values=values, total=total, buffer=buffer)

    def _base(self, key: str) -> int | None:
        if key in self._removed:
            return None
        ident = self._trie.get(key)
        return None if ident is None else int(self._values[ident])

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        return key in self.overlay or self._base(key) is not None

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        value = self.overlay.get(key)
        if value is not None:
            return value
        if not isinstance(key, str):
            return default
        base = self._base(key)
        return default if base is None else base

    def __setitem__(self, key: str, value: int) -> None:
        self.overlay[key] = value
        self._removed.discard(key)

    def __delitem__(self, key: str) -> None:
        if key not in self:
            raise KeyError(key)
        self.overlay.pop(key, None)
        if self._trie.get(key) is not None:
            self._removed.add(key)

    def __len__(self) -> int:
        extra = sum(1 for key in self.overlay if self._trie.get(key) is None)
        return len(self._trie) - len(self._removed) + extra

    def __iter__(self) -> Iterator[str]:
        for key in self._trie.iterkeys():
            if key not in self._removed:
                yield key
        for key in self.overlay:
            if self._trie.get(key) is None:
                yield key

    def dag(self, sentence: str) -> dict[int, list[int]]:
        """`jieba.Tokenizer.get_DAG` over these frequencies, with the lookups inlined."""
        trie_get = self._trie.get
        values = self._values
        overlay = self.overlay
        removed = self._removed
        dag: dict[int, list[int]] = {}
        n = len(sentence)
        for k in range(n):
            ends = []
            i = k
            frag = sentence[k]
            while i < n:
                value = overlay.get(frag)
                if value is None:
                    ident = None if removed and frag in removed else trie_get(frag)
                    if ident is None:
                        break
                    value = values[ident]
                if value:
                    ends.append(i)
                i += 1
                frag = sentence[k : i + 1]
            dag[k] = ends or [k]
        return dag

    def weight(self, word: str) -> int:
        """`FREQ.get(word) or 1`, as `jieba.Tokenizer.calc` weighs a word."""
        value = self.overlay.get(word)
        if value is None:
            if word in self._removed:
                return 1
            ident = self._trie.get(word)
            if ident is None:
                return 1
            value = self._values[ident]
        return value or 1


def _tokenizer_class() -> type:
    import jieba

    class CompactTokenizer(jieba.Tokenizer):  # type: ignore[misc,name-defined]
        """A `jieba.Tokenizer` whose FREQ is a `CompactFrequencies`; segments exactly like jieba's."""

        def get_DAG(self, sentence: str) -> dict[int, list[int]]:
            frequencies = self.FREQ
            if not isinstance(frequencies, CompactFrequencies):
                return dict(super().get_DAG(sentence))
            return frequencies.dag(sentence)

        def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, Any]) -> None:
            frequencies = self.FREQ
            if not isinstance(frequencies, CompactFrequencies):
                super().calc(sentence, DAG, route)
                return
            weight = frequencies.weight
            n = len(sentence)
            route[n] = (0, 0)
            logtotal = log(self.total)
            for idx in range(n - 1, -1, -1):
                route[idx] = max(
                    (log(weight(sentence[idx : x + 1])) - logtotal + route[x + 1][0], x) for x in DAG[idx]
                )

    return CompactTokenizer


def _ensure_cache(*, dictionary: Path) -> Path:
    """The cache file for `dictionary`, built in a child process when missing (falls back to the temp dir)."""
    name = cache_name(dictionary=dictionary)
    for directory in (cache_dir(), Path(tempfile.gettempdir()) / "salesbridge"):
        target = directory / name
        if target.is_file():
            return target
        command = [sys.executable, "-m", "knowledge.jieba_dict", "--dictionary", str(dictionary)]
        command += ["--target", str(target)]
        root = str(Path(__file__).resolve().parents[1])
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        if done.returncode == 0 and target.is_file():
            return target
    # No writable cache directory and no child process: build in this process, in a private temp dir.
    private = Path(tempfile.mkdtemp(prefix="salesbridge-jieba-"))
    return build_cache_file(dictionary=dictionary, target=private / name)


def load_frequencies(*, dictionary: Path | None = None) -> CompactFrequencies:
    dictionary = dictionary or default_dictionary()
    path = _ensure_cache(dictionary=dictionary)
    try:
        return CompactFrequencies.from_file(path)
    except ValueError:
        path.unlink(missing_ok=True)  # a damaged or foreign file: build it again
        return CompactFrequencies.from_file(_ensure_cache(dictionary=dictionary))


def compact_tokenizer(*, dictionary: Path | None = None) -> Any:
    """A ready `jieba.Tokenizer` (default dictionary: jieba's own) that never holds its dict as Python objects."""
    frequencies = load_frequencies(dictionary=dictionary)
    cls = _tokenizer_class()
    tokenizer = cls() if dictionary is None else cls(str(dictionary))
    with tokenizer.lock:
        tokenizer.FREQ = frequencies
        tokenizer.total = frequencies.base_total
        tokenizer.initialized = True
    return tokenizer


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the compact jieba frequency cache.")
    parser.add_argument("--dictionary", type=Path, default=None, help="jieba dictionary (default: bundled)")
    parser.add_argument("--target", type=Path, default=None, help="cache file (default: the cache dir)")
    args = parser.parse_args(list(argv) if argv is not None else None)
    dictionary = args.dictionary or default_dictionary()
    target = args.target or cache_dir() / cache_name(dictionary=dictionary)
    build_cache_file(dictionary=dictionary, target=target)
    print(target)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
