"""Objection handling: the objection library, LSCPA assessment and practice sessions."""
