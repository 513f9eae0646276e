"""Frame → what the model and the profile card see: `profile` builds it, `profile_text` renders it."""

from agent.profile.build import profile
from agent.profile.model import ColumnProfile, DatasetProfile
from agent.profile.text import profile_text

__all__ = ["ColumnProfile", "DatasetProfile", "profile", "profile_text"]
