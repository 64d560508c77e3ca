"""What changes an object in place: the methods and functions the state rules
(VBR3xx), the invariant rules (VBR2xx) and VBR101's implied preconditions
share; each rule matches them against the object it follows (a parameter, a
module global, ``self.x``).
"""

from __future__ import annotations

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
