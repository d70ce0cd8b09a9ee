"""Prompt templates (package data) and their loader."""

from halo_agent.prompts.loader import InstanceVocabulary, render_system_prompt

__all__ = ["InstanceVocabulary", "render_system_prompt"]
