"""Tools for developers and the README, not part of the till a shop runs: the demo (a server,
a demo shop and a paired POS) and the screenshot tour over a demo shop with a week behind it."""
