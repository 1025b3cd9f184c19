"""The service layer: each capability's data and rules, below every entry point.

Chat handlers (`handlers/`), scheduled jobs (`jobs/`), the CLI (`salesbridge/cli/`) and the web dashboard
call these typed, keyword-only functions; they take a session or the `Services` context and return data.
Nothing here imports an entry point (checked by import-linter, see pyproject.toml).
"""
