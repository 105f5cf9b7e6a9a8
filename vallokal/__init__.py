"""Vallokal: accessible in-person voting stations for participatory budgeting."""

__version__ = "0.1.0"
