"""Built-in generators, one module each. They depend on models and gencanvas.core only."""
