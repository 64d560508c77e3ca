"""The provenance ledger (SPEC section 3): events, the file, the run's data, the commands.

* :mod:`~vibrails.ledger.events` — an event's fields, canonical form and hash;
* :mod:`~vibrails.ledger.store` — append under a lock, streaming verify, torn lines;
* :mod:`~vibrails.ledger.index` — the per-path summaries a check run needs;
* :mod:`~vibrails.ledger.context` — everything provenance-related a run reads once;
* :mod:`~vibrails.ledger.repo` — the repository root and one-shot git calls;
* :mod:`~vibrails.ledger.cli` — ``vibrails ledger record|verify|show|import``.

The design is explained in ``docs/ledger.md``.
"""
