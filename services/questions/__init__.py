"""Questions the knowledge base answers, and the ones it cannot: the data and rules every entry point shares.

- `escalation.py` — the data functions (questions asked, escalations, PM answers, votes, thread context) and
  the reports jobs read by name: `unanswered_questions`, `answered_escalations`, `most_asked`, `knowledge_gaps`;
- `asking.py` — record a question and its answer, remember it as its thread's question;
- `escalating.py` — escalate a question to the PMs (recorded, posted in every PM channel);
- `pm_answers.py` — a PM's answer: recorded, saved as an FAQ entry, posted to every asker and PM channel;
- `feedback.py` — 👍/👎 votes on answers, a PM's quick FAQ entry;
- `faq.py` — the FAQ entries PMs wrote: owner, re-verification date (`SALESBRIDGE_FAQ_VERIFY_DAYS`), re-verifying;
- `groups.py` — unanswered, declined and 👎 questions grouped by meaning, answering a group, answer rates;
- `buttons.py` — the buttons of Q&A messages and their action ids.
"""
