"""Built-in generators, one module each. They depend on models and app.core only."""
