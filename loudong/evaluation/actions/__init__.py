"""Evaluation verbs by noun (STYLE.md item 16): rounds, evaluations (scores and tallies),
surveys (residents' slips and answers), adjustments after a 不满意."""
