"""Feature requests: their data and rules, used by the chat handlers, the jobs and the CLI.

- `vocabulary` — tiers, urgencies, statuses and ARR amounts (aliases in both languages, `Money`);
- `request_input` — `RequestInput` and its validation (`build_input`), `make_title`;
- `priority` — P0–P3 and RICE; `duplicates` — the token index and similarity (and meaning, with a model);
- `queries` — read-only: rankings, digests, search, details; `browse` — the dashboard's table (filters, sorting, pages);
- `workflow` — writes (create, merge, triage, status, priority) and the requesters' notifications; the
  interface of other capabilities (`mark_shipped`, `top_requests`, `requests_created_since`, …);
- `export` — every request as rows and as CSV.
"""
