"""Small helpers shared by the sandbox test modules."""

from __future__ import annotations

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

TWO_FIGURES_AND_A_BLANK = """
import matplotlib.pyplot as plt
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [3, 1, 2])
ax.set_title("first")
plt.figure()            # blank: must not come back
fig2, ax2 = plt.subplots()
ax2.bar(["a", "b"], [5, 7])
print("drew two")
"""
