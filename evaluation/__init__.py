"""Measuring Sourcebook, off the answering path: the golden-set evaluator (`golden`), corpus
data sets such as NewsQA and SQuAD 2.0 (`corpus`), reports (`report`), the plain LlamaIndex
baseline (`baseline`) and the fit of the answer-or-refuse model (`calibrate`). Imports `qa`
and `index`; nothing in `qa`, `index` or `ui` imports this at start-up (the chat's Evaluate
tab imports it when used)."""
