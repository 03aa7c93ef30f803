"""Debug aid: show the evidence Sourcebook gathers for a question.
Usage: .venv/bin/python scripts/why.py "question" [previous question] [previous answer]"""
import sys

from index.keyword import keyword_index
from qa import facts
from qa.condense import condense
from qa.evidence import focus_word, gather, question_entities
from qa.pipeline import default_pipeline

pipe = default_pipeline()
pipe.ensure_index()
q = sys.argv[1]
history = [(sys.argv[2], sys.argv[3])] if len(sys.argv) > 3 else []
q = condense(q, history)
qvec = pipe.embedder.encode([q])[0]
hits = pipe.retriever.retrieve(q, qvec)
ev = gather(q, qvec, hits, pipe.store, pipe.vectors, keyword_index(pipe.store), 8)
print(f"standalone: {q}\ntype={ev.qtype} entities={question_entities(q)} focus={focus_word(q)} answerable={ev.answerable} {ev.reason}")
for x in ev.quotes:
    print(f"  {x.score:.2f} sim={x.sim:.2f} fit={x.fit:.2f} typed={x.typed} {x.source[:3]} {x.text[:110]!r}")
