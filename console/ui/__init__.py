"""The Textual console: screens, widgets and the app factory."""
