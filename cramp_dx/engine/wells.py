"""Two-level Wells score, each item with where its answer came from."""

from __future__ import annotations

from cramp_dx.engine.facts import Facts
from cramp_dx.engine.result import Wells, WellsItem
from cramp_dx.knowledge import Knowledge


def score_wells(facts: Facts, kb: Knowledge) -> Wells:
    items = []
    score = 0
    unassessed_upside = 0
    not_assessed = []
    for item in kb.wells_items:
        out = item.when.evaluate(facts, kb)
        met = bool(out.state)
        assessed = out.state is not None
        if met:
            score += item.points
        elif not assessed:
            not_assessed.append(item.id)
            unassessed_upside += max(item.points, 0)
        if met:
            source = out.source or "checklist"
            if out.reasons and source != "derived from the surgery date":
                source = f"{source}: {'; '.join(out.reasons)}"
            elif out.reasons:
                source = f"{source} ({'; '.join(out.reasons)})"
        else:
            source = "not assessed" if not assessed else "checklist"
        items.append(
            WellsItem(item.id, item.label, item.points if met else 0, item.points, met, assessed, source)
        )
    category = "likely" if score >= kb.wells_likely_at else "unlikely"
    if kb.wells_suspected_when is not None and not kb.wells_suspected_when.evaluate(facts, kb).state:
        category = "not_suspected"
    facts.set_wells(score, score + unassessed_upside, category)
    return Wells(score, category, tuple(items), tuple(not_assessed), kb.wells_labels.get(category, category))
