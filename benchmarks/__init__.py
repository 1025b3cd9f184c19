"""Benchmarks: `python -m benchmarks.ack_latency`, `python -m benchmarks.memory` (see docs/operations.md)."""
