"""Domain services: the only code that writes the tables.

Every service function takes `actor` and `now` from its caller, flushes but never commits, and
queues side effects (mail, webhooks) with `effects.after_commit` so they run only once the
caller's single commit has succeeded.
"""
