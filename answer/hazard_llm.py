"""The major-hazard judgement with a language model, checked against the item.

With an LLM configured (answer/llm.py), the finding and the first criteria
items of the extractive ranking (hazard.py) go to the model, which answers in
JSON: the verdict, the item it rests on and the item's own words the finding
meets (or the fact that would decide it). The model may read a finding in
everyday words better than word overlap does, but its verdict is kept only
when it holds against the quoted item:

- the item is one of those sent;
- a major verdict quotes at least one condition, each word for word from that
  item's text, and is not about a finding the extractive reading found to be
  under the item's exception or of the kind the item excludes ("非水性漆");
- a "cannot tell" names the fact that would decide it.

Otherwise, or when the model fails, the extractive judgement stands and says
why (`reason`). Nothing the model writes is shown but the item's own words.
"""
from __future__ import annotations

import json
import re
from dataclasses import replace

from .hazard import Condition, Judgement
from .llm import LLMClient, LLMConfig, LLMError

ITEMS_SENT = 3  # the first items of the extractive ranking the model chooses from
_SPACES = re.compile(r"\s+")
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$")

SYSTEM = (
    "You decide whether a workplace inspection finding is a major accident hazard under criteria items. "
    "Use only the items given. Reply with one JSON object and nothing else: "
    '{"major": true, false or null, "item": "<the locator of the one item that decides it>", '
    '"met": ["<words copied exactly from that item that the finding meets>"], '
    '"missing": "<when major is null: the fact the finding does not state that would decide it>"}. '
    "major is true only when the finding meets a condition of the item; false when it does not; "
    "null when the finding does not say enough."
)


def messages(judgement: Judgement) -> list[dict[str, str]]:
    items = "\n".join(f"[{it.locator}] ({it.sector}) {it.text}" for it in judgement.ranked[:ITEMS_SENT])
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": f"Finding: {judgement.finding}\n\nCriteria items:\n{items}"}]


def _flat(text: str) -> str:
    return _SPACES.sub("", text)


def _parsed(text: str) -> dict | None:
    try:
        data = json.loads(_FENCE.sub("", text.strip()))
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def check(judgement: Judgement, reply: dict | None) -> tuple[Judgement | None, str]:
    """The model's verdict as a Judgement when it holds against the quoted
    item, else (None, why not)."""
    if reply is None or reply.get("major") not in (True, False, None):
        return None, "the model's reply is not the JSON asked for"
    items = {it.locator: it for it in judgement.ranked[:ITEMS_SENT]}
    item = items.get(str(reply.get("item", "")).strip())
    if item is None:
        return None, "the model named no item it was given"
    major = reply["major"]
    met = [m for m in reply.get("met") or [] if isinstance(m, str) and _flat(m)]
    if major is True:
        if not met or any(_flat(m) not in _flat(item.text) for m in met):
            return None, "the model's conditions are not the item's own words"
        if item is judgement.item and judgement.reason.startswith(("exception: ", "other kind: ")):
            return None, f"the finding falls outside the item ({judgement.reason})"
        conditions = tuple(Condition(m.strip(), (), 1.0, False, True) for m in met)
    elif major is None:
        missing = str(reply.get("missing") or "").strip()
        if not missing:
            return None, "the model cannot tell but names no deciding fact"
        conditions = (Condition(missing, (), 0.0, False, None, "not described"),)
    else:
        conditions = judgement.conditions if item is judgement.item else ()
    ranked = (item, *(it for it in judgement.ranked if it is not item))
    scores = tuple(judgement.scores[judgement.ranked.index(it)] for it in ranked)
    return replace(judgement, major=major, item=item, conditions=conditions, ranked=ranked, scores=scores,
                   reason="language model"), ""


def judge_with_llm(judgement: Judgement, config: LLMConfig) -> Judgement:
    """The model's verdict when it holds (check), else the extractive one with why."""
    if judgement.item is None:
        return judgement  # no criteria indexed: nothing to choose from
    try:
        reply = _parsed(LLMClient(config).complete(messages(judgement)))
    except LLMError as exc:
        return replace(judgement, reason=f"{judgement.reason}; the language model failed: {exc}")
    checked, why = check(judgement, reply)
    if checked is None:
        return replace(judgement, reason=f"{judgement.reason}; the language model's verdict was not kept: {why}")
    return checked if checked.major is True else replace(checked, follows=())
