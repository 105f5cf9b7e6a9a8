"""The one stylesheet, the small scripts and the icons of every app (package data, no build step)."""
