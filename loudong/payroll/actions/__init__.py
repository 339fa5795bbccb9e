"""Payroll verbs by noun (STYLE.md item 16): periods and lines, insurance, awards."""
