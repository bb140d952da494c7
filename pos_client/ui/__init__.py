"""The Qt user interface. Widgets call services through the worker; they never run SQL themselves."""
