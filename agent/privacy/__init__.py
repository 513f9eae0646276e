"""What the model may see of a dataset: the `LLM_DATA` modes, the PII detector and the masking of prompts."""

from agent.privacy.modes import PRIVACY_MODES, Privacy

__all__ = ["PRIVACY_MODES", "Privacy"]
