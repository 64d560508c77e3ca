"""What changes an object in place, and what makes a new mutable one.

The methods and functions that change an object are shared by the state rules
(VBR3xx), the invariant rules (VBR2xx) and VBR101's implied preconditions;
each rule matches them against the object it follows (a parameter, a module
global, ``self.x``). :func:`mutable_kind` (a display, a comprehension or a
constructor call makes a new mutable object) is shared by VBR304 (a default
argument) and VBR305 (a class attribute).
"""

from __future__ import annotations

import libcst as cst

#: Methods of list, dict, set, bytearray and deque that change the object.
MUTATING_METHODS = frozenset(
    {
        # list / bytearray
        "append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse",
        # dict
        "update", "setdefault", "popitem",
        # set
        "add", "discard", "difference_update", "intersection_update",
        "symmetric_difference_update",
        # deque
        "appendleft", "extendleft", "popleft", "rotate",
    }
)

#: Standard-library functions that change their first argument in place
#: (qualified names; the state rules match them through import aliases).
MUTATING_FUNCTIONS = frozenset(
    {
        "random.shuffle", "heapq.heappush", "heapq.heappop", "heapq.heapify",
        "heapq.heapreplace", "heapq.heappushpop", "bisect.insort", "bisect.insort_left",
        "bisect.insort_right",
    }
)

_DISPLAYS = {
    cst.List: "list",
    cst.Dict: "dict",
    cst.Set: "set",
    cst.ListComp: "list comprehension",
    cst.DictComp: "dict comprehension",
    cst.SetComp: "set comprehension",
}
#: Qualified names of constructors of mutable objects.
MUTABLE_CONSTRUCTORS = frozenset(
    {
        "list", "dict", "set", "bytearray",
        "collections.defaultdict", "collections.deque", "collections.OrderedDict",
        "collections.Counter",
    }
)


def mutable_kind(node: cst.BaseExpression, qualified: str | None) -> str | None:
    """How ``node`` makes a new mutable object, or ``None`` if it does not.

    ``qualified`` is the qualified name of the callee when ``node`` is a call.
    """
    kind = _DISPLAYS.get(type(node))
    if kind is not None:
        return f"a {kind}"
    if isinstance(node, cst.Call) and qualified in MUTABLE_CONSTRUCTORS:
        return f"a call of {qualified.rpartition('.')[2]}()"
    return None
