"""The web chat page and approvals inbox served by `halo-agent serve` (plain HTML/CSS/JS, no build)."""
