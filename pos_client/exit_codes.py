"""The POS process's exit codes: what a launcher, a service manager or a test reads from it."""

NO_DISPLAY = 3  # no screen to open a window on (run it under xvfb-run, or from a desktop)
DAMAGED_STORE = 4  # the store is damaged and nobody was there to choose what to do
STORE_TOO_NEW = 5  # the store was written by a newer MiChangarrito
ALREADY_OPEN = 6  # another POS window has this data folder
STORE_UNAVAILABLE = 7  # the store's file is locked or unreadable (not damaged)
RESTART = 75  # the back room asks for a restart, e.g. to apply a restore
