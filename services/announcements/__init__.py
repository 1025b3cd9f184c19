"""Release announcements, end-of-sale notices and launch timelines: validation, publishing, acknowledgements.

`workflow` (audiences, drafts, publishing, acknowledgements, the end-of-sale lookup, digest and agenda
summaries), `validate` (options → a complete `Draft`), `posts` (what goes out to channels and DMs),
`launches` (the T-90 … T+90 timeline and launch plans), `followups` (what the jobs chase), `targets`
(channels and audiences), `values` (dates, times, request ids).
"""
