"""Release announcements, end-of-sale notices and launch timelines: validation, publishing, acknowledgements."""
