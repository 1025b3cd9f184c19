"""Release announcements, end-of-sale notices and launch timelines: validation, publishing, acknowledgements.

`workflow` (audiences, drafts, publishing, acknowledgements, the end-of-sale lookup, digest and agenda
summaries), `validate` (options → a complete `Draft`), `posts` (what goes out to channels and DMs),
`launches` (the T-90 … T+90 timeline and launch plans), `followups` (what the jobs chase), `reminders` (the
"please acknowledge" DMs, from the job and the dashboard), `overview` (the dashboard's lists: acknowledgements
per channel and person, launch timelines), `targets` (channels and audiences), `values` (dates, times,
request ids).
"""
