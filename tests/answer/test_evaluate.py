"""`make eval`'s answer tables: what each metric counts, on answers whose
answerability is set by the test (no index)."""
from __future__ import annotations

from answer import answerability
from answer.evaluate import compare, evaluate
from answer.models import REFUSAL, Answer, Citation


class Scripted:
    """An answerer that answers each question as the test scripted it: grounded
    with this confidence and a citation of this source, or refused."""

    def __init__(self, script: dict[str, tuple[bool, float, str]]) -> None:
        self.script = script

    def answer(self, question: str) -> Answer:
        grounded, confidence, source = self.script[question]
        if not grounded:
            return Answer(question, question, "lookup", "en", False, REFUSAL["en"], confidence=confidence)
        text = "The lining is measured every 10 heats."
        cited = Citation(n=1, chunk_id="c1", source=source, title="Rules", doc_type="regulation", locator="Article 9",
                         page=None, quote=text, text=text, score=1.0)
        return Answer(question, question, "lookup", "en", True, f"{text} [1]", citations=(cited,),
                      confidence=confidence)


def test_answers_under_the_caution_are_counted_apart_for_answerable_and_unanswerable_questions():
    model = answerability.load()
    sure, unsure, below = min(0.99, model.caution + 0.05), (model.threshold + model.caution) / 2, model.threshold / 2
    gold = [{"source": "rules.md", "quote": "every 10 heats"}]
    questions = [
        {"id": "q1", "question": "q1", "lang": "en", "kind": "lookup", "answerable": True, "gold": gold},
        {"id": "q2", "question": "q2", "lang": "en", "kind": "lookup", "answerable": True, "gold": gold},
        {"id": "q3", "question": "q3", "lang": "en", "kind": "unanswerable", "answerable": False, "gold": []},
        {"id": "q4", "question": "q4", "lang": "en", "kind": "unanswerable", "answerable": False, "gold": []},
        {"id": "q5", "question": "q5", "lang": "en", "kind": "unanswerable", "answerable": False, "gold": []},
    ]
    result = evaluate(Scripted({"q1": (True, sure, "rules.md"), "q2": (True, unsure, "rules.md"),
                                "q3": (True, unsure, "other.md"), "q4": (False, below, ""),
                                "q5": (True, sure, "other.md")}), questions)
    all_ = result["groups"]["all"]
    assert all_["hit@5"] == (1.0, 2) and all_["wrong_refusal"] == (0.0, 2)
    assert all_["cautioned"] == (0.5, 2)  # q2
    assert all_["refused"] == (1 / 3, 3)  # q4
    assert all_["unanswerable_cautioned"] == (1 / 3, 3)  # q3; q5 was answered as if sure
    table = compare({"default": result})
    assert "answered under caution" in table.splitlines()[0]
    assert "| all | 1.00 (n=2) | 0.00 (n=2) | 0.50 (n=2) | 0.33 (n=3) | 0.33 (n=3) |" in table
