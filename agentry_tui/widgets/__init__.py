"""The widgets of the main screen: thin views over the session store."""
