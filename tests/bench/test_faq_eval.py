"""bench/faq_eval.py's out-of-scope part: messages asked straight to the FAQ, counted when
answered confidently, read as each variant reads its questions."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.faq_eval import Decide, fit_rule, open_index, report_out_of_scope, threshold_rule

FAQ = """\
version: 1
entries:
  - id: delivery-time
    topic: delivery
    question: How long does delivery take?
    answer: Orders arrive in 2 to 4 business days.
    alternates: ["When will my parcel arrive?"]
  - id: paypal
    topic: payment
    question: Can I pay with PayPal?
    answer: PayPal is accepted at checkout.
"""
OUT_OF_SCOPE = """\
version: 1
messages:
  - {topic: shop-like, text: "how long does delivery take?"}
  - {topic: maths, text: "what is the square root of eighty one"}
"""


def test_out_of_scope_messages_answered_confidently_are_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    faq = tmp_path / "faq.yml"
    faq.write_text(FAQ, encoding="utf-8")
    out_of_scope = tmp_path / "out_of_scope.yml"
    out_of_scope.write_text(OUT_OF_SCOPE, encoding="utf-8")
    index = open_index(tmp_path / "work", faq, 0.55, "minilm")
    variants: dict[str, Decide] = {
        "threshold": threshold_rule(0.55),
        "fit-check": fit_rule(index, index.fit),
    }
    report_out_of_scope(index, out_of_scope, variants, as_written=["threshold"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [row.split(" | ")[1].split(" = ")[0] for row in rows[1:]] == ["1", "1"]
