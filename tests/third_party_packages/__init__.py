"""Plugin packages as third parties ship them, installed for tests through real distribution metadata."""
