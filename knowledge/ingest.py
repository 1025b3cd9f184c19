"""`kb ingest`: files and folders → documents and sections in the database.

A document is its file: re-ingesting a file (by its absolute location) updates the same document. Its
path is the file's path relative to the folder given (`en/faq/tidb-faq.md`; a single file: its name),
lengthened by the folders above it (`zh/faq/x.md`) when another file — from another folder of this run or
of an earlier ingest — already has that relative path. Unchanged files (same content hash) are skipped,
changed ones replace their sections, broken ones are reported and skipped, and `prune` removes documents
whose files under the ingested folders are gone (never those of another folder).
"""

from __future__ import annotations

import logging
import os
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from knowledge.base import KnowledgeBase
from knowledge.chunking import chunk_markdown, chunk_plain_text
from knowledge.loaders import SUPPORTED_SUFFIXES, LoadedFile, LoadError, load_file
from knowledge.store import (
    DocumentInfo,
    content_hash,
    delete_document,
    find_document,
    list_documents,
    save_document,
)
from knowledge.tokenize import add_terms, detect_language

logger = logging.getLogger(__name__)

# Mixed into every content hash: bump it when chunking or tokenisation changes so re-ingest re-indexes.
INDEX_FORMAT = "sections-v20"
# Folders that name a language, as documentation sites lay them out (`zh/`, Docusaurus `i18n/zh-Hans/`,
# Sphinx `locale/zh_CN/`)
LANGUAGE_FOLDERS = {
    "en": "en", "en-us": "en", "en_us": "en", "en-gb": "en", "en_gb": "en",
    "zh": "zh", "cn": "zh", "zh-cn": "zh", "zh_cn": "zh", "zh-hans": "zh", "zh_hans": "zh",
    "zh-tw": "zh", "zh_tw": "zh", "zh-hk": "zh", "zh_hk": "zh", "zh-hant": "zh", "zh_hant": "zh",
}  # fmt: skip
IGNORED_NAMES = {"LICENSE", "LICENSE.md", "LICENSE.txt"}


@dataclass
class IngestReport:
    files: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    chunks: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    removed: list[str] = field(default_factory=list)
    embedded: int = 0

    def summary(self) -> str:
        lines = [
            f"{self.files} files: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped"
            + (f"; {self.chunks} sections indexed" if self.chunks else "")
            + (f"; {len(self.removed)} removed (pruned)" if self.removed else "")
            + (f"; {self.embedded} sections embedded" if self.embedded else "")
        ]
        for path, reason in self.skipped:
            lines.append(f"  skipped {path}: {reason}")
        for path in self.removed:
            lines.append(f"  removed {path}")
        return "\n".join(lines)


@dataclass(frozen=True)
class SourceFile:
    absolute: Path
    relative: str  # POSIX path relative to the ingested folder
    root: Path


def discover(paths: Sequence[Path]) -> tuple[list[SourceFile], list[tuple[str, str]]]:
    """Files to ingest under `paths` (folders recursively; hidden files and folders are ignored)."""
    found: list[SourceFile] = []
    problems: list[tuple[str, str]] = []
    for given in paths:
        path = given.expanduser()
        if path.is_file():
            root = path.parent.resolve()
            found.append(SourceFile(absolute=path.resolve(), relative=path.name, root=root))
        elif path.is_dir():
            root = path.resolve()
            for directory, subdirs, files in os.walk(root):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
                for name in sorted(files):
                    if name.startswith(".") or name in IGNORED_NAMES:
                        continue
                    absolute = Path(directory) / name
                    if absolute.suffix.lower() not in SUPPORTED_SUFFIXES:
                        continue
                    relative = absolute.relative_to(root).as_posix()
                    found.append(SourceFile(absolute=absolute, relative=relative, root=root))
        else:
            problems.append((str(given), "no such file or folder"))
    return found, problems


def document_paths(files: Sequence[SourceFile], existing: Sequence[DocumentInfo]) -> dict[Path, str]:
    """The stored path (identity) of each file: the path it already has, else its relative path, made
    unique with the folders above it when that path belongs to another file that still exists or is shared
    with another file of this run (both are lengthened alike: `en/faq/x.md`, `zh/faq/x.md`)."""
    by_source = {doc.source: doc.path for doc in existing if doc.source}
    owner = {doc.path: doc.source for doc in existing}
    chosen: dict[Path, str] = {}
    fresh: dict[str, list[SourceFile]] = defaultdict(list)
    for source in files:
        known = by_source.get(str(source.absolute))
        if known is not None:
            chosen[source.absolute] = known
        else:
            fresh[source.relative].append(source)
    in_run = set(chosen.values())
    for relative, group in fresh.items():
        group = list({s.absolute: s for s in group}.values())  # the same file given twice is one document
        depth = len(PurePosixPath(relative).parts)
        if len(group) > 1:
            while depth < max(len(s.absolute.parts) for s in group) and len(
                {_suffix(s.absolute, depth) for s in group}
            ) < len(group):
                depth += 1
        for source in group:
            length = depth
            path = _suffix(source.absolute, length)
            while _belongs_to_another(path, owner, in_run) and length < len(source.absolute.parts):
                length += 1
                other = owner.get(path)
                if other and path not in in_run:  # go up to the folder where the two files part
                    while length < len(source.absolute.parts) and _suffix(source.absolute, length) == _suffix(
                        Path(other), length
                    ):
                        length += 1
                path = _suffix(source.absolute, length)
            chosen[source.absolute] = path
            in_run.add(path)
    return chosen


def _suffix(path: Path, length: int) -> str:
    parts = [p for p in path.parts if p != path.anchor]
    return PurePosixPath(*parts[-length:]).as_posix()


def _belongs_to_another(path: str, owner: dict[str, str], in_run: set[str]) -> bool:
    if path in in_run:  # another file of this run has it
        return True
    if path not in owner:
        return False
    stored_source = owner[path]
    # A document whose file is gone (a moved checkout) is this file's earlier self; an existing one is not.
    return not stored_source or Path(stored_source).exists()


def language_from_path(relative: str) -> str | None:
    for part in PurePosixPath(relative).parts[:-1]:
        language = LANGUAGE_FOLDERS.get(part.lower())
        if language:
            return language
    return None


def product_from_path(relative: str) -> str | None:
    folders = [p for p in PurePosixPath(relative).parts[:-1] if p.lower() not in LANGUAGE_FOLDERS]
    return folders[0] if folders else None


def ingest_paths(
    kb: KnowledgeBase,
    paths: Sequence[Path],
    *,
    prune: bool = False,
    progress: Callable[[str], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> IngestReport:
    report = IngestReport()
    files, problems = discover(paths)
    files = list({source.absolute: source for source in files}.values())  # a file given twice counts once
    report.skipped.extend(problems)
    report.files = len(files)
    if on_total is not None:
        on_total(len(files))  # `progress` is called once per file, when that file is done

    loaded: list[tuple[SourceFile, LoadedFile, str, str]] = []
    with kb.db.session() as session:
        existing = list_documents(session=session)
    known = {doc.path: (doc.content_hash, doc.source) for doc in existing}
    identities = document_paths(files, existing)
    for source in files:
        path = identities[source.absolute]
        try:
            data = source.absolute.read_bytes()
        except OSError as exc:
            report.skipped.append((path, f"cannot read: {exc.strerror or exc}"))
            _tick(progress, path)
            continue
        digest = content_hash(INDEX_FORMAT.encode() + data)
        if known.get(path) == (digest, str(source.absolute)):
            report.unchanged += 1
            _tick(progress, path)
            continue
        try:
            document = load_file(source.absolute)
        except LoadError as exc:
            report.skipped.append((path, str(exc)))
            logger.info("skipped %s: %s", path, exc)
            _tick(progress, path)
            continue
        loaded.append((source, document, digest, path))

    # Teach jieba the product terms (document titles: 外键约束, 全局索引 …) before any text is tokenised.
    # Section headings are not used: they are generic (使用限制, 注意事项) and would glue words together.
    with kb.db.session() as session:
        add_terms([doc.title for doc in list_documents(session=session)])
    add_terms([doc.title for _, doc, _, _ in loaded])
    for source, document, digest, path in loaded:
        chunks = chunk_plain_text(document.markdown) if document.plain else chunk_markdown(document.markdown)
        if not chunks:
            report.skipped.append((path, "no text"))
            _tick(progress, path)
            continue
        title = document.title or source.absolute.stem.replace("-", " ").replace("_", " ")
        language = (
            _normalise_language(document.language)
            or language_from_path(source.relative)
            or detect_language(title + "\n" + document.markdown[:4000])
        )
        updated = document.updated or datetime.fromtimestamp(source.absolute.stat().st_mtime, UTC).date()
        try:
            with kb.db.session() as session:
                existed = find_document(session=session, path=path) is not None
                save_document(
                    session=session,
                    path=path,
                    title=title,
                    summary=document.summary,
                    chunks=chunks,
                    language=language,
                    product=document.product or product_from_path(source.relative),
                    owner=document.owner,
                    updated=updated,
                    kind="doc",
                    source=str(source.absolute),
                    digest=digest,
                    internal=document.internal,
                )
        except Exception as exc:  # one bad document must not abort the run
            logger.exception("storing %s failed", path)
            report.skipped.append((path, f"could not store: {type(exc).__name__}"))
            _tick(progress, path)
            continue
        report.chunks += len(chunks)
        if existed:
            report.updated += 1
        else:
            report.added += 1
        _tick(progress, path)

    if prune:
        roots = {str(p.expanduser().resolve()) for p in paths if p.expanduser().is_dir()}
        with kb.db.session() as session:
            for doc in list_documents(session=session, kind="doc"):
                if not doc.source or not any(_is_under(doc.source, root) for root in roots):
                    continue
                if not Path(doc.source).exists():
                    delete_document(session=session, path=doc.path)
                    report.removed.append(doc.path)
    report.embedded = kb.embed_missing()
    kb.invalidate()
    return report


def _tick(progress: Callable[[str], None] | None, label: str) -> None:
    if progress is not None:
        progress(label)


def _normalise_language(value: str | None) -> str | None:
    if not value:
        return None
    return LANGUAGE_FOLDERS.get(value.strip().lower(), value.strip().lower()[:2] or None)


def _is_under(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:
        return False
