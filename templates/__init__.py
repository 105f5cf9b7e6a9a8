"""The Jinja templates of every app: one accessible base layout, kiosk/, office/, results/ (package data)."""
