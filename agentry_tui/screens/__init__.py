"""Modal screens: tool approval, confirmation, rename."""
