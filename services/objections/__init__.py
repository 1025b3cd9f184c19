"""Objection handling: the objection library, LSCPA assessment and coaching, practice sessions."""
