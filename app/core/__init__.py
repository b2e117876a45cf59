"""Qt-free application logic: plugin API, registry, jobs, settings and image I/O."""
