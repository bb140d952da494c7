"""HTTP routers and their plumbing: errors, protocol check, device authentication."""
