"""The one area tree (geo.areas.AreaTree): parents, ancestors, descendants, display order,
and the areas whose chain never reaches a root. Invented sample areas."""

from __future__ import annotations

from geo.areas import Area, AreaTree

SAMPLE = [  # invented, sample only
    Area("county", "Sample County", None, ()),
    Area("east", "East", "county", ("10001",)),
    Area("west", "West", "county", ("10002",)),
    Area("east-town", "East Town", "east", ("10001",)),
    Area("lost", "Lost", "no-such-area", ()),
    Area("loop-a", "Loop A", "loop-b", ()),
    Area("loop-b", "Loop B", "loop-a", ()),
]


def test_ancestors_descendants_and_display_order_follow_the_parent_links():
    tree = AreaTree.build(SAMPLE)
    assert tree.ancestors("east-town") == ["east-town", "east", "county"]
    assert tree.descendants()["county"] == {"east", "west", "east-town"}
    shown = [(i, d) for i, d in tree.display_order() if not i.startswith(("loop", "lost"))]
    assert shown == [("county", 0), ("east", 1), ("east-town", 2), ("west", 1)]
    assert tree.areas_by_zip["10001"] == ("county", "east", "east-town")


def test_unknown_parents_and_cycles_are_named_with_their_reason():
    tree = AreaTree.build(SAMPLE)
    assert tree.unrooted["lost"] == 'unknown parent "no-such-area"'
    assert tree.unrooted["loop-a"].startswith("parents form a cycle (loop-a -> loop-b")
    assert {"county", "east", "west", "east-town"}.isdisjoint(tree.unrooted)
    assert tree.ancestors("loop-a") == ["loop-a", "loop-b"]  # a cycle ends the chain
