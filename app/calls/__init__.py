"""The call log: every call the call centre receives, counted weekly for the city (SPEC §11)."""
