"""agentry-tui: a full-screen terminal chat client for Agentry sessions."""
