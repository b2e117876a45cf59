"""Plugins that must be refused, each for one reason; the app must list them as failed and run nothing."""
