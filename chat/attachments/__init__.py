"""Files a patron attaches in the widget: checked from their content, kept out of every published
directory, and handed out only as downloads (to the chat's staff, or to the patron with the token)."""
