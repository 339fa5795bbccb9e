"""JSON typed by a person: refuse absurd nesting before parsing it.

``json.loads``, ``copy.deepcopy``, the schema validator and the profile diff all recurse; a
profile nested a few thousand levels deep (``[[[[…]]]]``) raised RecursionError — a 500. A
linear scan counts the depth first, ignoring brackets inside strings.
"""

MAX_DEPTH = 20


def nesting_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest
