"""Recurring schedules: when they fire (timing), what they post, the weekly sync agenda."""
