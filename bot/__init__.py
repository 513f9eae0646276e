"""DataAgent bot wiring."""
