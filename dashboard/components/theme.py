"""The charts' one font, shared by the figures and their source line."""

FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif", "size": 14, "color": "#1a1a1a"}
