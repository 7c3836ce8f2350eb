"""Analysis: what a hotspot is about and where it is going. Pure decisions, no I/O.

Owns segmentation (``keywords``, the only module that touches jieba), the domain lexicons
(``lexicon``), scoring with explanations (``matcher``), learning from history (``learn``),
grouping items into stories (``events``), trajectories and states (``trends``) and the
labelled-set evaluation (``evaluation``).

May import: the shared modules and ``hotspot.ingest`` (text cleaning). Never: storage,
delivery, the wiring modules or the CLI; stored history reaches it as plain data.
"""
