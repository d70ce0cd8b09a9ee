"""halo-agent: a policy-guarded natural-language agent for HaloITSM service desks."""

__version__ = "0.1.0"
