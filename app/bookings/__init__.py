"""Home-visit bookings taken by the call centre (SPEC §6-§7, §9)."""
