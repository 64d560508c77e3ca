"""The suppress stage: what the findings of a check leave out.

* :mod:`~vibrails.suppress.noqa` — ``# noqa`` comments, per file, before the
  file's result is cached;
* :mod:`~vibrails.suppress.baseline` — findings of an earlier report, per run.
"""
