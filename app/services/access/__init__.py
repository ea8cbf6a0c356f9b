"""Access: accounts' credentials, token issue and checks, scopes, rate limits and bootstrap."""
