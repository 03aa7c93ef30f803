"""Debug aid: show the evidence Sourcebook gathers for a question and the answer-or-refuse call.
Usage: .venv/bin/python scripts/why.py "question" [previous question] [previous answer]"""
import sys

from qa.condense import condense
from qa import QASettings
from qa.pipeline import default_pipeline

pipe = default_pipeline(QASettings.from_env())
pipe.ensure_index()
q = sys.argv[1]
history = [(sys.argv[2], sys.argv[3])] if len(sys.argv) > 3 else []
q = condense(q, history, None, pipe.nlp)
ev = pipe.decide(pipe.evidence(q))
a = ev.question
print(f"standalone: {q}\nwh={a.wh} head={a.head} labels={a.labels} open={a.open} entities={a.entities} terms={a.terms}")
print(f"answerable={ev.answerable} p={ev.probability:.2f} {ev.reason}")
print("features: " + ", ".join(f"{k}={v:.2f}" for k, v in ev.features.items()))
for x in ev.considered[:10]:
    print(f"  {x.score:+.2f} sim={x.sim:.2f} fit={x.fit:.2f} typed={x.typed} {x.candidates[:3]} {x.source[:12]} {x.text[:110]!r}")
