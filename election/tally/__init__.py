"""Counting: the Pabulib format, a compact array form of the ballots, and the rules real cities use.

Pure like the rest of `election`: no Flask, no database. Money is exact
(`fractions.Fraction`), so ties are ties and the outcome never depends on rounding.
"""
