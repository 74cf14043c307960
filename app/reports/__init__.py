"""Reports for the city (SPEC §11): monthly figures and the completion report."""
