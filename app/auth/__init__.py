"""Staff accounts, roles, log-in and log-out."""
