"""Question embedding latency while the background embedder works through a batch.

    .venv/bin/python -m benchmarks.embedding_contention [--questions 30] [--serialised]

After an ingest, `serve` embeds the new sections in the background (batches of 16 passages, 5–13 s each on
one core) while it keeps answering. Printed: the time to embed a question (the dense half of every answer)
with the embedder idle, then while batches run without pause. `--serialised` makes questions and batches share one
lock, as they did before: what a rep waited for then.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import threading
import time

from knowledge.embedding import BundledEmbedder
from knowledge.evaluation import percentile
from knowledge.vectors import BATCH_SIZE

PASSAGE = "TiDB Placement Rules › Scenarios\n" + " ".join(
    f"the cluster schedules regions across stores and zones {n}" for n in range(30)
)


def timed_questions(
    embedder: BundledEmbedder, count: int, *, serialised: threading.Lock | None = None
) -> list[float]:
    latencies = []
    for n in range(count):
        time.sleep(random.random() * 0.3)  # questions arrive at any point of a batch
        started = time.perf_counter()
        with serialised or contextlib.nullcontext():
            embedder.query(f"Does it support SAML single sign-on with Okta? ({n})")
        latencies.append((time.perf_counter() - started) * 1000)
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--serialised", action="store_true", help="questions wait for the batch lock")
    args = parser.parse_args(argv)
    random.seed(7)
    embedder = BundledEmbedder()
    embedder.query("warm up")
    report = {"idle": timed_questions(embedder, args.questions)}
    stop = threading.Event()
    lock = threading.Lock()  # --serialised: the one lock questions and batches used to share

    def background() -> None:
        while not stop.is_set():
            with lock:
                embedder.passages([PASSAGE] * BATCH_SIZE)
            time.sleep(0.01)  # the embedder stores the batch between two

    worker = threading.Thread(target=background, daemon=True)
    worker.start()
    time.sleep(0.5)
    report["during batches"] = timed_questions(
        embedder, args.questions, serialised=lock if args.serialised else None
    )
    stop.set()
    for label, values in report.items():
        print(
            f"{label:15} question embedding ms: p50 {percentile(values, 50):7.1f}  "
            f"p95 {percentile(values, 95):7.1f}  max {max(values):7.1f}  (n={len(values)})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
