"""Shared state: sessions, pending calls, counters and the audit log."""
