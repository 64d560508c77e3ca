"""Analysis that several rules share, one module per job.

==================  ===============================================================
module              job
==================  ===============================================================
``traverse``        the engine's one walk: children of a node, descendants
``names``           how imports bind names; a file's imports and module bindings
``decorators``      what the contract libraries look like (decorators, constrained types)
``functions``       what the contract rules know of one function (guards, kinds, stubs)
``invariants``      the invariant rules' one class tracker per file (state, invariants, claims)
``implied``         what a function's body silently assumes of a parameter (VBR101)
``mutation``        the methods and functions that change an object in place
``state``           what the state rules share (chain roots, bound names, process state)
``entrypoints``     scripts, ``__main__`` blocks and entry functions
``provenance``      what the provenance rules know of one tagged file (VBR4xx)
==================  ===============================================================

The arrows point down this table's spirit: a module uses the ones it needs
of those above it, never a rule module (``vbrNNN_*.py``).
"""
