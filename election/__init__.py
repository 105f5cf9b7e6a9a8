"""The pure core: packages, ballot rules and envelopes.

Nothing here imports Flask, a database or the network, so every guarantee the
stations and the office rely on can be tested quickly and read in one sitting.
"""
