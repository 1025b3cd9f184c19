"""Feature requests: capture, duplicates, priority and RICE, the status workflow, queries."""
