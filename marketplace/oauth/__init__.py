"""The marketplace's OAuth 2.0 authorization server (authlib), its endpoints and consent.

Lifetimes: an authorization code works once, for 10 minutes; an access token for 1 hour; a
refresh token for 30 days, and each use rotates it. Every token is bound to one
installation (shop + service) and its granted scopes.
"""
