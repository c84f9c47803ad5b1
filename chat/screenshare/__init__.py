"""Request Screenshare: the operator asks, the patron answers Yes or No in the widget, and only
after Yes does the meeting link (the operator's own, or the library's) reach the patron."""
