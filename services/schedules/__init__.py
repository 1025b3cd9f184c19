"""Recurring schedules: the `schedule` rows (`store`), when they fire (`timing`), what a slot posts (`posting`:
the weekly sync `agenda`, the `digest`s, LSCPA practice), and who hears of a change (`changes`).

The scheduled entry points (APScheduler, leader election) are in `jobs/`; chat commands in
`handlers/schedules.py`. Both call these functions; nothing here imports them.
"""
