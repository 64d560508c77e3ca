"""Provenance: which model and prompt produced the code, and where it says so.

* :mod:`~vibrails.provenance.events` — an event's fields, canonical form and hash;
* :mod:`~vibrails.provenance.store` — append under a lock, streaming verify, torn lines;
* :mod:`~vibrails.provenance.index` — the per-path summaries a check run needs;
* :mod:`~vibrails.provenance.prompts` — prompts stored redacted and content-addressed;
* :mod:`~vibrails.provenance.trailers` — AI trailers of git commits, and blame;
* :mod:`~vibrails.provenance.attribution` — Agent Trace and git-ai records;
* :mod:`~vibrails.provenance.patches` — Codex's ``apply_patch`` patches;
* :mod:`~vibrails.provenance.context` — everything provenance-related a run reads once;
* :mod:`~vibrails.provenance.sources` — the tagging sources it feeds (ledger,
  trailers, attribution), handed to :func:`vibrails.tagging.tag_file`.
"""
