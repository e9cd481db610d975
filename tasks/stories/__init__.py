"""Stories: the day's articles about one event, in any language, and the same story followed
across days (a story id that stays while the story continues)."""
