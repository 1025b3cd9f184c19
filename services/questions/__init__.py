"""Questions the knowledge base could not answer: escalation to PMs, PM answers, feedback and reports."""
